/**
 * How `plan` shows this destination's resources (roles by name, tables, DCR streams, each
 * analytics rule's KQL) and what the mocks answer offline: ARM ids (from the names; the
 * subscription is the deploying login's), and for what Azure assigns (ingestion endpoints, the
 * DCR's immutable id, the Keytos service principal's object id in the tenant) the marker
 * "(known after deploy)".
 */
import { KNOWN_AFTER_DEPLOY, pick } from "../config/plan-tables";
import type { PlanTables } from "../destination";
import { BUILTIN_ROLES } from "./roles";

type Inputs = Record<string, unknown>;

const ROLE_NAMES = Object.fromEntries(Object.entries(BUILTIN_ROLES).map(([name, id]) => [id, name]));

function armId(inputs: Inputs, provider: string, name: unknown): string {
  const rg = String(inputs.resourceGroupName ?? "resource-group");
  return `/subscriptions/${KNOWN_AFTER_DEPLOY}/resourceGroups/${rg}/providers/${provider}/${String(name)}`;
}

export const azurePlan: PlanTables = {
  show: {
    "azure-native:authorization:RoleAssignment": (i) => ({
      role: ROLE_NAMES[String(i.roleDefinitionId).split("/").pop() ?? ""] ?? i.roleDefinitionId,
      scope: i.scope,
      principalType: i.principalType,
    }),
    "azure-native:operationalinsights:Workspace": (i) => ({
      workspaceName: i.workspaceName,
      location: i.location,
      sku: (i.sku as Inputs)?.name,
      retentionInDays: i.retentionInDays,
    }),
    "azure-native:operationalinsights:Table": (i) => ({
      tableName: i.tableName,
      plan: i.plan,
      columns: ((i.schema as Inputs)?.columns as unknown[] | undefined)?.length,
      ...pick("retentionInDays", "totalRetentionInDays")(i),
    }),
    "azure-native:monitor:DataCollectionEndpoint": pick("dataCollectionEndpointName", "location"),
    "azure-native:monitor:DataCollectionRule": (i) => ({
      dataCollectionRuleName: i.dataCollectionRuleName,
      location: i.location,
      streams: Object.keys((i.streamDeclarations as Inputs) ?? {}),
    }),
    "azure-native:resources:Resource": (i) => ({
      resourceName: i.resourceName,
      kind: i.kind,
      location: i.location,
      streams: Object.keys(((i.properties as Inputs)?.streamDeclarations as Inputs) ?? {}),
    }),
    "azure-native:securityinsights:SentinelOnboardingState": pick("workspaceName"),
    "azure-native:securityinsights:ScheduledAlertRule": (i) => ({
      displayName: i.displayName,
      query: String(i.query).replace(/\n/g, " "),
      severity: i.severity,
      queryFrequency: i.queryFrequency,
      triggerThreshold: i.triggerThreshold,
      tactics: i.tactics,
    }),
  },
  mock: {
    "azure-native:operationalinsights:Workspace": ({ inputs }) => ({
      id: armId(inputs, "Microsoft.OperationalInsights/workspaces", inputs.workspaceName),
      state: {},
    }),
    "azure-native:monitor:DataCollectionEndpoint": ({ inputs }) => ({
      id: armId(inputs, "Microsoft.Insights/dataCollectionEndpoints", inputs.dataCollectionEndpointName),
      state: { logsIngestion: { endpoint: KNOWN_AFTER_DEPLOY } },
    }),
    "azure-native:monitor:DataCollectionRule": ({ inputs }) => ({
      id: armId(inputs, "Microsoft.Insights/dataCollectionRules", inputs.dataCollectionRuleName),
      state: { immutableId: KNOWN_AFTER_DEPLOY },
    }),
    "azure-native:resources:Resource": ({ inputs }) => ({
      id: armId(inputs, "Microsoft.Insights/dataCollectionRules", inputs.resourceName),
      state: {
        properties: {
          ...(inputs.properties as Inputs),
          immutableId: KNOWN_AFTER_DEPLOY,
          endpoints: { logsIngestion: KNOWN_AFTER_DEPLOY },
        },
      },
    }),
    "azure-native:securityinsights:ScheduledAlertRule": ({ inputs }) => ({
      id: KNOWN_AFTER_DEPLOY,
      state: { name: inputs.ruleId },
    }),
  },
  invoke: {
    "azuread:index/getServicePrincipal:getServicePrincipal": (inputs) => ({
      ...inputs,
      objectId: KNOWN_AFTER_DEPLOY,
      displayName: "Keytos",
    }),
  },
};
