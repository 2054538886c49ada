/** Splunk (HTTP Event Collector + REST): the descriptor the registries loop over. */
import type { Destination, ProviderConfig } from "../destination";
import { type SplunkAlert, splunkAlerts } from "./alerts";
import { SPLUNK_COMPONENT, splunkOutputs, splunkSettings } from "./contract";
import { splunkPlan } from "./plan";

type Pulumi = typeof import("@pulumi/pulumi");

/** The one line a deployment without an admin credential fails with. */
export const MISSING_CREDENTIAL =
  "keytos-siem:splunk needs an admin credential for Splunk's REST API: pulumi config set --secret splunk:token <authentication token> " +
  "(or pulumi config set splunk:username <user> and pulumi config set --secret splunk:password <password>)";

/** The REST Authorization header from the stack config `splunk:*`, a Pulumi secret; undefined if none is set. */
export function splunkAuthorization(pulumi: Pulumi, config: ProviderConfig) {
  const token = config.getSecret("token");
  if (token) return pulumi.secret(token.apply((t) => `Bearer ${t}`));
  const username = config.get("username");
  const password = config.getSecret("password");
  if (username && password) {
    return pulumi.secret(
      password.apply((p) => `Basic ${Buffer.from(`${username}:${p}`).toString("base64")}`),
    );
  }
  return undefined;
}

export const splunk = {
  key: "splunk" as const,
  title: "Splunk (HTTP Event Collector)",
  componentType: SPLUNK_COMPONENT,
  settings: splunkSettings,
  outputs: splunkOutputs,
  secrets: ["hecToken"] as const,
  alerts: splunkAlerts,
  deploy(s, ctx) {
    const pulumi = require("@pulumi/pulumi") as Pulumi;
    const { SplunkDestination } = require("./component") as typeof import("./component");
    let authorization = splunkAuthorization(pulumi, ctx.config("splunk"));
    if (!authorization) {
      // A plan registers the same resources without one; a deployment cannot authenticate.
      if (!ctx.planOnly) throw new pulumi.RunError(MISSING_CREDENTIAL);
      authorization = pulumi.secret("(no credential in the stack config)");
    }
    const sp = new SplunkDestination("splunk", {
      ...s,
      customer: ctx.customer,
      rules: ctx.rules,
      authorization,
      planOnly: ctx.planOnly,
    });
    return {
      outputs: pulumi.output({
        managementUrl: sp.managementUrl,
        hecUrl: sp.hecUrl,
        index: sp.index,
        useAck: sp.useAck,
        app: sp.app,
        owner: sp.owner,
        savedSearches: sp.savedSearches,
      }),
      secrets: { hecToken: sp.hecToken },
    };
  },
  plan: splunkPlan,
} satisfies Destination<typeof splunkSettings, typeof splunkOutputs, SplunkAlert>;
