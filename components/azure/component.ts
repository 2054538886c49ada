/**
 * Azure Log Analytics / Sentinel destination: replaces the manual steps of the Keytos Sentinel
 * guide. The sender's roles (the Keytos app by default) on the workspace's resource group; the
 * workspace (existing or new); custom tables EZCA_CAs_CL, EZCA_Certificates_CL,
 * EZMonitor_Alerts_CL; a DCE (or a Direct DCR) and a DCR with one stream per table; Monitoring
 * Metrics Publisher on the DCR; Sentinel onboarding and one scheduled analytics rule per
 * compiled policy rule.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { settingsOrThrow } from "../config/settings";
import type { CompiledAlert } from "../policy/compile";
import {
  AZURE_COMPONENT,
  AZURE_COMPONENT_ALIASES,
  type AzureSettings,
  azureSettings,
  checkAzure,
  KEYTOS_APP_ID,
  type ResolvedAzureSettings,
  resolveAzure,
} from "./contract";
import { dcrBody, TABLES, tableSchema } from "./dcr";
import {
  type BuiltinRole,
  RESOURCE_GROUP_ROLES,
  roleAssignmentName,
  roleDefinitionId,
  roleSlug,
  subscriptionOf,
} from "./roles";
import { analyticsRuleSpec } from "./rules";

export interface AzureDestinationArgs extends AzureSettings {
  /** Customer name, used in default names, rule names and tags. */
  customer: string;
  /** Compiled alerts (events and custom detections); those with an `azure` part get a scheduled analytics rule. */
  rules: readonly CompiledAlert[];
}

/** API version of the Direct DCR (kind Direct and its own endpoints arrived in 2023-03-11). */
const DIRECT_DCR_API = "2023-03-11";

export class AzureDestination extends pulumi.ComponentResource {
  /** Region of the workspace, DCE and DCR (the EZCA portal's Location field). */
  readonly location: string;
  /** Workspace resource id (the EZCA portal's Workspace Resource ID field). */
  readonly workspaceResourceId: pulumi.Output<string>;
  /** Logs Ingestion API endpoint (the DCE's, or the Direct DCR's own). */
  readonly ingestionEndpoint: pulumi.Output<string>;
  readonly dcrId: pulumi.Output<string>;
  /** The DCR's immutable id, what Logs Ingestion API calls address. */
  readonly dcrImmutableId: pulumi.Output<string>;
  /** DCR stream per table: { EZCA_CAs_CL: "Custom-EZCA_CAs_CL", ... }. */
  readonly streamNames: Record<string, string>;
  readonly tableNames: string[];
  /** Object id of the sender's principal. */
  readonly senderPrincipalId: pulumi.Output<string>;
  /** Analytics rule ids by compiled rule key ("EZCA:4888"). */
  readonly ruleIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AzureDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): bad settings must fail before any resource is registered.
    const { customer, rules, ...settings } = args;
    const s = resolveAzure(
      settingsOrThrow(
        "Azure Log Analytics / Sentinel destination",
        azureSettings,
        { customer, settings },
        (v, given) => checkAzure(v, { customer, rules, given }),
      ),
      customer,
    );
    super(
      AZURE_COMPONENT,
      name,
      {},
      { ...opts, aliases: [...(opts?.aliases ?? []), ...AZURE_COMPONENT_ALIASES] },
    );
    const parent = { parent: this };

    const workspaceId = this.workspace(name, s);
    const subscriptionId = workspaceId.apply(subscriptionOf);
    const principalId: pulumi.Output<string> =
      "principalId" in s.sender
        ? pulumi.output(s.sender.principalId)
        : azuread.getServicePrincipalOutput({ clientId: s.sender.appId }, parent).objectId;
    const senderLabel =
      "appId" in s.sender && s.sender.appId === KEYTOS_APP_ID
        ? "Keytos EZCA / EZMonitor"
        : "audit-log sender";
    const grant = (suffix: string, role: BuiltinRole, scope: pulumi.Input<string>) =>
      new authorization.RoleAssignment(
        `${name}-${suffix}-${roleSlug(role)}`,
        {
          scope,
          principalId,
          principalType: s.principalType,
          roleDefinitionId: subscriptionId.apply((sub) => roleDefinitionId(sub, role)),
          roleAssignmentName: pulumi
            .all([scope, principalId])
            .apply(([sc, p]) => roleAssignmentName(sc, role, p)),
          description: `keytos-siem: ${senderLabel} sends audit events for ${customer}`,
        },
        parent,
      );
    if (s.resourceGroupRoles) {
      const rgScope = subscriptionId.apply(
        (sub) => `/subscriptions/${sub}/resourceGroups/${s.resourceGroupName}`,
      );
      for (const role of RESOURCE_GROUP_ROLES) grant("rg", role, rgScope);
    }

    const tables = TABLES.map(
      (t) =>
        new operationalinsights.Table(
          `${name}-${t.name.toLowerCase().replace(/_/g, "-")}`,
          {
            resourceGroupName: s.resourceGroupName,
            workspaceName: s.workspaceName,
            tableName: t.name,
            plan: "Analytics",
            schema: tableSchema(t),
            ...(s.tableRetentionDays !== undefined ? { retentionInDays: s.tableRetentionDays } : {}),
            ...(s.tableTotalRetentionDays !== undefined
              ? { totalRetentionInDays: s.tableTotalRetentionDays }
              : {}),
          },
          { ...parent, dependsOn: this.workspaceResource ? [this.workspaceResource] : [] },
        ),
    );

    // The DCR validates its output streams against the tables: create them first.
    const dcrOpts = { ...parent, dependsOn: tables };
    const dcrName = `keytos-siem-${customer}`;
    if (s.ingestion === "dce") {
      const dce = new monitor.DataCollectionEndpoint(
        `${name}-dce`,
        {
          dataCollectionEndpointName: dcrName,
          resourceGroupName: s.resourceGroupName,
          location: s.location,
          description: "Logs Ingestion endpoint for Keytos audit events (keytos-siem)",
          networkAcls: { publicNetworkAccess: "Enabled" },
          tags: s.tags,
        },
        parent,
      );
      const dcr = new monitor.DataCollectionRule(
        `${name}-dcr`,
        {
          dataCollectionRuleName: dcrName,
          resourceGroupName: s.resourceGroupName,
          location: s.location,
          dataCollectionEndpointId: dce.id,
          tags: s.tags,
          ...dcrBody(workspaceId),
        },
        dcrOpts,
      );
      this.dcrId = dcr.id;
      this.dcrImmutableId = dcr.immutableId;
      this.ingestionEndpoint = dce.logsIngestion.apply((l) =>
        required(l?.endpoint, "DCE logsIngestion.endpoint"),
      );
    } else {
      const dcr = new resources.Resource(
        `${name}-dcr`,
        {
          resourceProviderNamespace: "Microsoft.Insights",
          parentResourcePath: "",
          resourceType: "dataCollectionRules",
          resourceName: dcrName,
          apiVersion: DIRECT_DCR_API,
          resourceGroupName: s.resourceGroupName,
          location: s.location,
          kind: "Direct",
          properties: dcrBody(workspaceId),
          tags: s.tags,
        },
        dcrOpts,
      );
      this.dcrId = dcr.id;
      this.dcrImmutableId = dcr.properties.apply((p): string =>
        required(p?.immutableId, "DCR properties.immutableId"),
      );
      this.ingestionEndpoint = dcr.properties.apply((p): string =>
        required(p?.endpoints?.logsIngestion, "Direct DCR properties.endpoints.logsIngestion"),
      );
    }
    // The narrowest grant that lets the sender upload: publish to this DCR only.
    grant("dcr", "Monitoring Metrics Publisher", this.dcrId);

    let ruleIds: pulumi.Output<Record<string, string>> = pulumi.output({} as Record<string, string>);
    if (s.sentinel !== "none") {
      const onboarding =
        s.sentinel === "onboard"
          ? [
              new securityinsights.SentinelOnboardingState(
                `${name}-sentinel`,
                {
                  resourceGroupName: s.resourceGroupName,
                  workspaceName: s.workspaceName,
                  sentinelOnboardingStateName: "default",
                },
                { ...parent, dependsOn: this.workspaceResource ? [this.workspaceResource] : [] },
              ),
            ]
          : [];
      const created = rules.flatMap((rule) => {
        const spec = analyticsRuleSpec(rule, customer);
        if (!spec) return [];
        const { ruleId, ...settings } = spec;
        const r = new securityinsights.ScheduledAlertRule(
          `${name}-${rule.slug}`,
          { ...settings, ruleId, resourceGroupName: s.resourceGroupName, workspaceName: s.workspaceName },
          // Rules query the custom tables: they must exist, and Sentinel must be on.
          { ...parent, dependsOn: [...onboarding, ...tables] },
        );
        return [r.name.apply((n): [string, string] => [rule.key, n])];
      });
      ruleIds = pulumi.all(created).apply((entries) => Object.fromEntries(entries));
    }

    this.location = s.location;
    this.workspaceResourceId = workspaceId;
    this.streamNames = Object.fromEntries(TABLES.map((t) => [t.name, t.stream]));
    this.tableNames = TABLES.map((t) => t.name);
    this.senderPrincipalId = principalId;
    this.ruleIds = ruleIds;
    this.registerOutputs({
      location: this.location,
      workspaceResourceId: this.workspaceResourceId,
      ingestionEndpoint: this.ingestionEndpoint,
      dcrId: this.dcrId,
      dcrImmutableId: this.dcrImmutableId,
      streamNames: this.streamNames,
      tableNames: this.tableNames,
      senderPrincipalId: this.senderPrincipalId,
      ruleIds: this.ruleIds,
    });
  }

  private workspaceResource: operationalinsights.Workspace | undefined;

  /** The workspace's resource id: the given one, or that of a workspace created here. */
  private workspace(name: string, s: ResolvedAzureSettings): pulumi.Output<string> {
    if (s.existing) return pulumi.output(s.existing.resourceId);
    const c = s.create as NonNullable<ResolvedAzureSettings["create"]>;
    this.workspaceResource = new operationalinsights.Workspace(
      `${name}-workspace`,
      {
        workspaceName: c.name,
        resourceGroupName: c.resourceGroupName,
        location: s.location,
        sku: {
          name: c.sku,
          ...(c.capacityReservationLevel ? { capacityReservationLevel: c.capacityReservationLevel } : {}),
        },
        retentionInDays: c.retentionInDays,
        tags: s.tags,
      },
      { parent: this },
    );
    return this.workspaceResource.id;
  }
}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`Azure did not return ${what}`);
  return value;
}

/** @deprecated The former name of AzureDestination; kept for one release. */
export const SentinelDestination = AzureDestination;
/** @deprecated The former name of AzureDestinationArgs. */
export type SentinelDestinationArgs = AzureDestinationArgs;
/** @deprecated The former name of AzureDestination. */
export type SentinelDestination = AzureDestination;
