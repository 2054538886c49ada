/**
 * The stack's outputs contract, as zod schemas: stacks/program.ts produces these values and
 * `keytos-siem smoke --outputs` reads them back from `pulumi stack output --json --show-secrets`.
 * One definition, so the two cannot drift. Secrets are separate top-level keys
 * (cloudwatchApiKey, datadogApiKey): a secret inside an object would hide the whole object.
 */
import { z } from "zod";

export const cloudWatchOutputs = z.object({
  region: z.string(),
  logGroupName: z.string(),
  logGroupArn: z.string(),
  logStreamName: z.string(),
  /** HTTP ingestion endpoint for the API key (bearer token). */
  ingestionEndpoint: z.string(),
  apiKeyId: z.string().nullable(),
  alarmNames: z.array(z.string()),
});

export const datadogOutputs = z.object({
  site: z.string(),
  intakeUrl: z.string(),
  apiUrl: z.string(),
  monitorIds: z.array(z.string()),
});

export const azureOutputs = z.object({
  location: z.string(),
  workspaceResourceId: z.string(),
  ingestionEndpoint: z.string(),
  dcrId: z.string(),
  dcrImmutableId: z.string(),
  streamNames: z.record(z.string(), z.string()),
  tableNames: z.array(z.string()),
  senderPrincipalId: z.string(),
  ruleIds: z.record(z.string(), z.string()),
});

export const kafkaOutputs = z.object({
  bootstrapServers: z.array(z.string()),
  topic: z.string(),
  saslMechanism: z.string(),
  principal: z.string(),
});

export const alertRuleOutput = z.object({
  key: z.string(),
  name: z.string(),
  severity: z.string(),
  window: z.string(),
  threshold: z.number(),
  destinations: z.array(z.string()),
});

/** Unknown keys are kept out (other programs may add outputs); secrets shown as "[secret]" fail clearly. */
export const stackOutputsSchema = z.object({
  customer: z.string(),
  policyFile: z.string(),
  alertRules: z.array(alertRuleOutput),
  cloudwatch: cloudWatchOutputs.optional(),
  cloudwatchApiKey: z.string().optional(),
  datadog: datadogOutputs.optional(),
  datadogApiKey: z.string().optional(),
  azure: azureOutputs.optional(),
  kafka: kafkaOutputs.optional(),
});

export type CloudWatchOutputs = z.infer<typeof cloudWatchOutputs>;
export type DatadogOutputs = z.infer<typeof datadogOutputs>;
export type AzureOutputs = z.infer<typeof azureOutputs>;
export type KafkaOutputs = z.infer<typeof kafkaOutputs>;
export type AlertRuleOutput = z.infer<typeof alertRuleOutput>;
export type StackOutputValues = z.infer<typeof stackOutputsSchema>;
