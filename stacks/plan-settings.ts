/**
 * The settings `keytos-siem plan` shows per resource type: what a reviewer checks before
 * `pulumi up` (names, retention, queries, grants), not every input. Credentials never appear:
 * providers show only where they point.
 */
import { BUILTIN_ROLES } from "../components/azure/roles";

type Inputs = Record<string, unknown>;
type Picker = (i: Inputs) => Record<string, unknown>;

const ROLE_NAMES = Object.fromEntries(Object.entries(BUILTIN_ROLES).map(([name, id]) => [id, name]));

const pick =
  (...keys: string[]): Picker =>
  (i) =>
    Object.fromEntries(keys.filter((k) => i[k] !== undefined && i[k] !== "").map((k) => [k, i[k]]));

function policyActions(i: Inputs) {
  try {
    const doc = JSON.parse(String(i.policy)) as {
      Statement: { Action: string | string[]; Resource: unknown }[];
    };
    return {
      actions: doc.Statement.flatMap((s) => s.Action),
      resources: doc.Statement.flatMap((s) => s.Resource),
    };
  } catch {
    return {};
  }
}

const PICKERS: Record<string, Picker> = {
  "pulumi:providers:aws": pick("region", "profile"),
  "pulumi:providers:datadog": pick("apiUrl"),
  "aws:cloudwatch/logGroup:LogGroup": pick("name", "retentionInDays", "kmsKeyId"),
  "aws:cloudwatch/logStream:LogStream": pick("name", "logGroupName"),
  "aws:iam/user:User": pick("name"),
  "aws:iam/userPolicy:UserPolicy": policyActions,
  "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": pick("serviceName", "credentialAgeDays"),
  "pulumi-nodejs:dynamic/keytos-siem:BearerTokenAuthentication": pick("logGroupName", "enabled"),
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": (i) => ({
    pattern: i.pattern,
    metric: `${(i.metricTransformation as Inputs)?.namespace}/${(i.metricTransformation as Inputs)?.name}`,
  }),
  "aws:cloudwatch/metricAlarm:MetricAlarm": pick(
    "name",
    "period",
    "comparisonOperator",
    "threshold",
    "alarmActions",
  ),
  "aws:sns/topic:Topic": pick("name"),
  "aws:sns/topicSubscription:TopicSubscription": pick("protocol", "endpoint"),
  "datadog:index/apiKey:ApiKey": pick("name"),
  "datadog:index/monitor:Monitor": pick("name", "query", "priority"),
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
  "kafka:index/topic:Topic": pick("name", "partitions", "replicationFactor", "config"),
  "kafka:index/acl:Acl": pick("aclPrincipal", "aclOperation", "aclResourceType", "aclResourceName"),
};

/** Key settings of a resource; unknown types show their name-like inputs. */
export function keySettings(type: string, inputs: Inputs): Record<string, unknown> {
  const picker = PICKERS[type] ?? pick("name", "displayName");
  return picker(inputs);
}
