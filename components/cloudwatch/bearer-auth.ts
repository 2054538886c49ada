/**
 * Bearer-token authentication on a log group. @pulumi/aws has no property for it, so this is a
 * dynamic provider around PutBearerTokenAuthentication. The provider captures no client and no
 * credentials: each method builds its SDK client from the standard AWS credential chain
 * (environment, shared config, role), so nothing secret is serialized into the state.
 */
import * as pulumi from "@pulumi/pulumi";

export interface BearerAuthInputs {
  region: string;
  logGroupName: string;
  enabled: boolean;
  /** Endpoint override (tests, VPC endpoints). */
  endpoint?: string;
}

/** Calls PutBearerTokenAuthentication; errors name the log group and the likely fix. */
export async function putBearerTokenAuthentication(inputs: BearerAuthInputs): Promise<void> {
  // Required here, not at module top: dynamic providers are serialized with their closures.
  const { CloudWatchLogsClient, PutBearerTokenAuthenticationCommand } =
    require("@aws-sdk/client-cloudwatch-logs") as typeof import("@aws-sdk/client-cloudwatch-logs");
  const client = new CloudWatchLogsClient({
    region: inputs.region,
    ...(inputs.endpoint ? { endpoint: inputs.endpoint } : {}),
  });
  try {
    await client.send(
      new PutBearerTokenAuthenticationCommand({
        logGroupIdentifier: inputs.logGroupName,
        bearerTokenAuthenticationEnabled: inputs.enabled,
      }),
    );
  } catch (err) {
    const e = err as { name?: string; message?: string };
    const hint =
      e.name === "ResourceNotFoundException"
        ? "the log group does not exist"
        : e.name === "AccessDeniedException"
          ? "the deploying identity needs logs:PutBearerTokenAuthentication on the log group"
          : e.name === "InvalidParameterException"
            ? "check the log group name"
            : "see the AWS error";
    throw new Error(
      `${inputs.enabled ? "enabling" : "disabling"} bearer token authentication on log group "${inputs.logGroupName}" in ${inputs.region} failed (${hint}): ${e.name ?? "Error"}: ${e.message ?? String(err)}`,
    );
  } finally {
    client.destroy();
  }
}

export const bearerAuthProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: BearerAuthInputs) {
    await putBearerTokenAuthentication(inputs);
    return { id: `${inputs.region}:${inputs.logGroupName}`, outs: inputs };
  },
  async diff(_id: string, olds: BearerAuthInputs, news: BearerAuthInputs) {
    const replaces = (["region", "logGroupName"] as const).filter((k) => olds[k] !== news[k]);
    const changes = replaces.length > 0 || olds.enabled !== news.enabled || olds.endpoint !== news.endpoint;
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async update(_id: string, _olds: BearerAuthInputs, news: BearerAuthInputs) {
    await putBearerTokenAuthentication(news);
    return { outs: news };
  },
  async delete(_id: string, props: BearerAuthInputs) {
    try {
      await putBearerTokenAuthentication({ ...props, enabled: false });
    } catch (err) {
      // The log group may already be gone (deleted with the stack): nothing left to disable.
      if (!/does not exist|ResourceNotFoundException/.test((err as Error).message)) throw err;
    }
  },
};

export interface BearerTokenAuthenticationArgs {
  region: pulumi.Input<string>;
  logGroupName: pulumi.Input<string>;
  enabled: pulumi.Input<boolean>;
  endpoint?: pulumi.Input<string>;
}

/** Bearer-token authentication enabled (or disabled) on one log group. */
export class BearerTokenAuthentication extends pulumi.dynamic.Resource {
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: BearerTokenAuthenticationArgs, opts?: pulumi.CustomResourceOptions) {
    super(bearerAuthProvider, name, { ...args }, opts, "keytos-siem", "BearerTokenAuthentication");
  }
}

/** The type token pulumi.dynamic.Resource registers BearerTokenAuthentication under. */
export const BEARER_AUTH_TYPE = "pulumi-nodejs:dynamic/keytos-siem:BearerTokenAuthentication";

/** What stands for the provider's serialized code in a plan. */
export const PLANNED_PROVIDER = "(the provider's code, serialized on deploy)";

/**
 * BearerTokenAuthentication as `plan` registers it (DeployContext.planOnly): the same type, name
 * and inputs, with the provider's code left unserialized (serializing turns the V8 debugger on for
 * the rest of the process).
 */
export class PlannedBearerTokenAuthentication extends pulumi.CustomResource {
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: BearerTokenAuthenticationArgs, opts?: pulumi.CustomResourceOptions) {
    super(BEARER_AUTH_TYPE, name, { ...args, __provider: PLANNED_PROVIDER }, opts);
  }
}
