/** Azure Log Analytics / Sentinel: the descriptor the registries loop over. */
import type { Destination } from "../destination";
import { azureAlerts, type SentinelAlert } from "./alerts";
import { AZURE_COMPONENT, azureOutputs, azureSettings, checkAzure } from "./contract";
import { azurePlan } from "./plan";

export const azure = {
  key: "azure" as const,
  title: "Azure Log Analytics / Sentinel",
  componentType: AZURE_COMPONENT,
  settings: azureSettings,
  check: checkAzure,
  outputs: azureOutputs,
  alerts: azureAlerts,
  // "none" is Log Analytics alone: no analytics rules.
  alerting: (s) => s.sentinel !== "none",
  deploy(s, ctx) {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const { AzureDestination } = require("./component") as typeof import("./component");
    // azure-native and azuread use the stack's default providers (subscription and tenant of the login).
    const az = new AzureDestination("azure", { ...s, customer: ctx.customer, rules: ctx.rules });
    return {
      outputs: pulumi.output({
        location: az.location,
        workspaceResourceId: az.workspaceResourceId,
        ingestionEndpoint: az.ingestionEndpoint,
        dcrId: az.dcrId,
        dcrImmutableId: az.dcrImmutableId,
        streamNames: az.streamNames,
        tableNames: az.tableNames,
        senderPrincipalId: az.senderPrincipalId,
        ruleIds: az.ruleIds,
      }),
    };
  },
  plan: azurePlan,
} satisfies Destination<typeof azureSettings, typeof azureOutputs, SentinelAlert>;
