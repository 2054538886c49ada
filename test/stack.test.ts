/**
 * The Pulumi program under Pulumi's own unit-test mocks (no CLI, no cloud): stack config in,
 * resources and the outputs contract out, secrets kept secret. setMocks and config are set before
 * the program is imported, as Pulumi requires. Then the stack config validation, every problem
 * named by its config key with the command that fixes it.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveStack, StackConfigError } from "../stacks/config";
import { stackOutputsSchema } from "../stacks/outputs";
import { output, type Registered, recordResources } from "./support/pulumi-mocks";

type Program = ReturnType<typeof import("../stacks/index")>;
const ROOT = path.resolve(__dirname, "..");
const WORKSPACE =
  "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/secops/providers/Microsoft.OperationalInsights/workspaces/ws";

describe("stack program (Pulumi mocks)", () => {
  let program: Program;
  let registered: Registered[];
  beforeAll(async () => {
    // Pulumi hands structured config to the program as JSON text.
    pulumi.runtime.setAllConfig({
      "keytos-siem:customer": "contoso",
      "keytos-siem:policyFile": "policies/default.yaml",
      "keytos-siem:cloudwatch": JSON.stringify({ region: "eu-west-1", retentionInDays: "365" }),
      "keytos-siem:datadog": JSON.stringify({ site: "datadoghq.eu" }),
      "keytos-siem:azure": JSON.stringify({ location: "westeurope", workspaceId: WORKSPACE }),
      "keytos-siem:kafka": JSON.stringify({
        bootstrapServers: ["k1:9093"],
        senderUsername: "ezca-sender",
        forwarderUsername: "siem-forwarder",
      }),
    });
    registered = await recordResources(
      (args) => {
        if (args.type === "aws:iam/serviceSpecificCredential:ServiceSpecificCredential")
          return { serviceCredentialSecret: "ACWL-secret", serviceSpecificCredentialId: "ACCA1" };
        if (args.type === "datadog:index/apiKey:ApiKey") return { key: "dd-secret-key" };
        if (args.type === "aws:cloudwatch/logGroup:LogGroup")
          return { arn: `arn:aws:logs:eu-west-1:1:log-group:${args.inputs.name}` };
        if (args.type === "aws:cloudwatch/logStream:LogStream")
          return { arn: "arn:aws:logs:eu-west-1:1:log-group:g:log-stream:s" };
        if (args.type === "azure-native:securityinsights:ScheduledAlertRule")
          return { name: args.inputs.ruleId };
        if (args.type === "azure-native:monitor:DataCollectionEndpoint")
          return { logsIngestion: { endpoint: "https://dce.westeurope-1.ingest.monitor.azure.com" } };
        if (args.type === "azure-native:monitor:DataCollectionRule")
          return {
            id: `${WORKSPACE.split("/providers/")[0]}/providers/Microsoft.Insights/dataCollectionRules/d`,
            immutableId: "dcr-1",
          };
        return {};
      },
      (token, inputs) =>
        token === "azuread:index/getServicePrincipal:getServicePrincipal"
          ? { ...inputs, objectId: "sp-object-id" }
          : undefined,
    );
    // The entry point exports the program as a function; Pulumi calls it and takes its result as the outputs.
    program = (await import("../stacks/index")).default();
  });

  it("creates every enabled destination and exports the documented outputs; secrets stay secret", async () => {
    expect(program.customer).toBe("contoso");
    expect(program.policyFile).toBe("policies/default.yaml");
    expect(program.alertRules).toHaveLength(27);
    expect(program.alertRules.find((r) => r.key === "EZCA:4888")).toEqual({
      key: "EZCA:4888",
      name: "Certificate request denied due to insufficient permissions",
      severity: "high",
      window: "5m",
      threshold: 0,
      destinations: ["azure", "cloudwatch", "datadog", "splunk"],
    });
    const values = {
      customer: program.customer,
      policyFile: program.policyFile,
      alertRules: program.alertRules,
      cloudwatch: await output(program.cloudwatch as pulumi.Output<unknown>),
      cloudwatchApiKey: await output(program.cloudwatchApiKey as pulumi.Output<string>),
      datadog: await output(program.datadog as pulumi.Output<unknown>),
      datadogApiKey: await output(program.datadogApiKey as pulumi.Output<string>),
      azure: await output(program.azure as pulumi.Output<unknown>),
      kafka: await output(program.kafka as pulumi.Output<unknown>),
    };
    // The values satisfy the contract `keytos-siem smoke --outputs` reads.
    const parsed = stackOutputsSchema.parse(values);
    expect(parsed.cloudwatch).toMatchObject({
      region: "eu-west-1",
      logGroupName: "/keytos-siem/contoso",
      logStreamName: "ezca",
    });
    expect(parsed.cloudwatch?.alarmNames).toHaveLength(27);
    expect(parsed.datadog).toMatchObject({
      site: "datadoghq.eu",
      intakeUrl: "https://http-intake.logs.datadoghq.eu/api/v2/logs",
    });
    expect(parsed.azure).toMatchObject({
      location: "westeurope",
      workspaceResourceId: WORKSPACE,
      dcrImmutableId: "dcr-1",
    });
    expect(parsed.kafka).toEqual({
      bootstrapServers: ["k1:9093"],
      topic: "keytos-siem.audit",
      saslMechanism: "PLAIN",
      principal: "User:ezca-sender",
      // The forwarder's side, named for `keytos-siem forward` and its operators.
      forwarder: {
        principal: "User:siem-forwarder",
        consumerGroupPrefix: "keytos-siem-forward",
        deadLetterTopic: "keytos-siem.audit.deadletter",
      },
    });
    expect(await pulumi.isSecret(program.cloudwatchApiKey as pulumi.Output<string>)).toBe(true);
    expect(await pulumi.isSecret(program.datadogApiKey as pulumi.Output<string>)).toBe(true);
    expect(await pulumi.isSecret(program.cloudwatch as pulumi.Output<unknown>)).toBe(false);
    expect(JSON.stringify({ ...values, cloudwatchApiKey: undefined, datadogApiKey: undefined })).not.toMatch(
      /ACWL-secret|dd-secret-key/,
    );
    // Region and site come from the destination settings through explicit providers.
    expect(registered.find((r) => r.type === "pulumi:providers:aws")?.inputs).toMatchObject({
      region: "eu-west-1",
    });
    expect(registered.find((r) => r.type === "pulumi:providers:datadog")?.inputs).toMatchObject({
      apiUrl: "https://api.datadoghq.eu",
    });
    expect(
      registered.filter((r) => r.type === "azure-native:securityinsights:ScheduledAlertRule"),
    ).toHaveLength(27);
  });
});

describe("stack config", () => {
  const problems = (raw: Record<string, unknown>) => {
    try {
      resolveStack(raw, ROOT);
    } catch (err) {
      if (err instanceof StackConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it("defaults the policy, resolves it against the project root, and enables destinations by key", () => {
    const s = resolveStack(
      { customer: "contoso", kafka: { bootstrapServers: ["k:9093"], senderUsername: "s" } },
      ROOT,
    );
    expect(s.config.policyFile).toBe(path.join(ROOT, "policies/default.yaml"));
    expect(s.destinations).toEqual(["kafka"]);
    expect(s.policy.rules).toHaveLength(27);
  });

  it("accepts numbers and booleans as `pulumi config set --path` may store them (text)", () => {
    const s = resolveStack(
      { cloudwatch: { region: "us-east-1", retentionInDays: "30", apiKey: "false" } },
      ROOT,
    );
    expect(s.config.cloudwatch).toMatchObject({ retentionInDays: 30, apiKey: false });
  });

  it("names every bad key with the command that fixes it, all at once", () => {
    const p = problems({
      customer: "Contoso Ltd",
      cloudwach: { region: "us-east-1" },
      datadog: { site: "datadoghq.de" },
      kafka: { bootstrapServers: [] },
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^keytos-siem:customer: must be 1-40 lower-case letters.*\(pulumi config set --path 'keytos-siem:customer' <value>\)/,
        ),
        expect.stringMatching(
          /^keytos-siem: unknown field "cloudwach"; allowed fields: customer, policyFile, cloudwatch, datadog, azure, kafka, splunk \(pulumi config rm --path 'keytos-siem:cloudwach'\)/,
        ),
        expect.stringMatching(
          /^keytos-siem:datadog.site "datadoghq.de" is not a Datadog site; use one of datadoghq.com/,
        ),
        expect.stringMatching(/^keytos-siem:kafka.bootstrapServers \[\] must be host:port entries/),
        expect.stringMatching(/^keytos-siem:kafka.senderUsername: /),
      ]),
    );
  });

  it("runs each destination's own checks and the policy, naming the key", () => {
    const p = problems({
      customer: "contoso",
      policyFile: "policies/missing.yaml",
      cloudwatch: { region: "us-east-9" },
      azure: { location: "West Europe" },
    });
    expect(p).toEqual([
      expect.stringMatching(
        /^keytos-siem:policyFile "policies\/missing.yaml": [\s\S]*cannot read the alert policy file: no such file/,
      ),
      expect.stringMatching(/^keytos-siem:cloudwatch.region "us-east-9" is not an AWS region/),
      expect.stringMatching(
        /^keytos-siem:azure.location "West Europe" must be an Azure region name.*did you mean "westeurope"/,
      ),
      expect.stringMatching(
        /^keytos-siem:azure.workspaceId is missing: set it to the Log Analytics workspace's Resource ID/,
      ),
    ]);
  });

  it("reports a bad field and an invalid region in one pass", () => {
    expect(problems({ customer: "contoso", cloudwatch: { region: "mars-1", retention: 30 } })).toEqual([
      expect.stringMatching(/^keytos-siem:cloudwatch\.region "mars-1" is not an AWS region/),
      expect.stringMatching(
        /^keytos-siem:cloudwatch: unknown field "retention"; .*\(pulumi config rm --path 'keytos-siem:cloudwatch\.retention'\)/,
      ),
    ]);
  });

  it("a stack with no destination says how to enable one", () => {
    expect(problems({ customer: "contoso" })).toEqual([
      expect.stringMatching(
        /^no destination is enabled: set at least one of keytos-siem:cloudwatch, keytos-siem:datadog, keytos-siem:azure, keytos-siem:kafka/,
      ),
    ]);
  });
});
