/** Datadog Logs: the descriptor the registries loop over. */
import type { Destination } from "../destination";
import { type DatadogAlert, datadogAlerts } from "./alerts";
import { DATADOG_COMPONENT, datadogOutputs, datadogSettings } from "./contract";
import { datadogPlan } from "./plan";
import { datadogApiUrl } from "./site";

export const datadog = {
  key: "datadog" as const,
  title: "Datadog Logs",
  componentType: DATADOG_COMPONENT,
  settings: datadogSettings,
  outputs: datadogOutputs,
  secrets: ["apiKey"] as const,
  alerts: datadogAlerts,
  deploy(s, ctx) {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const { Provider } = require("@pulumi/datadog") as typeof import("@pulumi/datadog");
    const { DatadogDestination } = require("./component") as typeof import("./component");
    const config = ctx.config("datadog");
    const apiKey = config.getSecret("apiKey");
    const appKey = config.getSecret("appKey");
    // The provider must talk to the organisation's site: keys from one site fail on another.
    const provider = new Provider(`datadog-${s.site}`, {
      apiUrl: datadogApiUrl(s.site),
      ...(apiKey ? { apiKey } : {}),
      ...(appKey ? { appKey } : {}),
    });
    const dd = new DatadogDestination(
      "datadog",
      { ...s, customer: ctx.customer, rules: ctx.rules },
      { providers: [provider] },
    );
    return {
      outputs: pulumi.output({
        site: dd.site,
        intakeUrl: dd.intakeUrl,
        apiUrl: dd.apiUrl,
        monitorIds: dd.monitorIds,
      }),
      secrets: { apiKey: dd.apiKey },
    };
  },
  plan: datadogPlan,
} satisfies Destination<typeof datadogSettings, typeof datadogOutputs, DatadogAlert>;
