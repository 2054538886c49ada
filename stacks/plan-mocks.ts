/**
 * What `keytos-siem plan` pretends the clouds answered, so the stack program runs offline under
 * Pulumi's mocks: plausible ids and computed properties (ARNs, ARM ids, endpoints) where the
 * program derives further inputs from them. Values are placeholders; the plan shows inputs.
 */
const ACCOUNT = "000000000000";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
/** The Keytos service principal's object id differs per tenant: a visible placeholder. */
export const PLACEHOLDER_PRINCIPAL = "00000000-0000-0000-0000-00000000c0de";

type Inputs = Record<string, unknown>;

function armId(inputs: Inputs, provider: string, name: unknown): string {
  const rg = String(inputs.resourceGroupName ?? "resource-group");
  const sub = /\/subscriptions\/([^/]+)\//.exec(String(inputs.workspaceId ?? ""))?.[1] ?? SUBSCRIPTION;
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${String(name)}`;
}

/** Resource id and computed state for a mocked resource. */
export function mockState(type: string, name: string, inputs: Inputs): { id: string; state: Inputs } {
  const region = "region";
  switch (type) {
    case "aws:cloudwatch/logGroup:LogGroup":
      return {
        id: String(inputs.name),
        state: { arn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${inputs.name}` },
      };
    case "aws:cloudwatch/logStream:LogStream":
      return {
        id: String(inputs.name),
        state: {
          arn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${inputs.logGroupName}:log-stream:${inputs.name}`,
        },
      };
    case "aws:sns/topic:Topic":
      return { id: name, state: { arn: `arn:aws:sns:${region}:${ACCOUNT}:${name}` } };
    case "aws:iam/serviceSpecificCredential:ServiceSpecificCredential":
      return {
        id: name,
        state: {
          serviceCredentialSecret: "(known after apply)",
          serviceSpecificCredentialId: "(known after apply)",
        },
      };
    case "datadog:index/apiKey:ApiKey":
      return { id: name, state: { key: "(known after apply)" } };
    case "azure-native:operationalinsights:Workspace":
      return {
        id: armId(inputs, "Microsoft.OperationalInsights/workspaces", inputs.workspaceName),
        state: {},
      };
    case "azure-native:monitor:DataCollectionEndpoint":
      return {
        id: armId(inputs, "Microsoft.Insights/dataCollectionEndpoints", inputs.dataCollectionEndpointName),
        state: {
          logsIngestion: {
            endpoint: `https://${inputs.dataCollectionEndpointName}.ingest.monitor.azure.com`,
          },
        },
      };
    case "azure-native:monitor:DataCollectionRule":
      return {
        id: armId(inputs, "Microsoft.Insights/dataCollectionRules", inputs.dataCollectionRuleName),
        state: { immutableId: "dcr-00000000000000000000000000000000" },
      };
    case "azure-native:resources:Resource":
      return {
        id: armId(inputs, "Microsoft.Insights/dataCollectionRules", inputs.resourceName),
        state: {
          properties: {
            ...(inputs.properties as Inputs),
            immutableId: "dcr-00000000000000000000000000000000",
            endpoints: { logsIngestion: `https://${inputs.resourceName}.ingest.monitor.azure.com` },
          },
        },
      };
    case "azure-native:securityinsights:ScheduledAlertRule":
      return { id: name, state: { name: inputs.ruleId } };
    default:
      return { id: name, state: {} };
  }
}

/** Answers for data-source lookups (invokes). */
export function mockInvoke(token: string, inputs: Inputs): Inputs {
  if (token === "azuread:index/getServicePrincipal:getServicePrincipal") {
    return { ...inputs, objectId: PLACEHOLDER_PRINCIPAL, displayName: "Keytos" };
  }
  return inputs;
}
