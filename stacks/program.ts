/**
 * The stack's resources for one resolved configuration: an explicit provider where the
 * destination decides the region or site, then one component per enabled destination, and the
 * outputs contract. Shared by the Pulumi entry point (stacks/index.ts) and `keytos-siem plan`,
 * which runs it under Pulumi's mocks.
 *
 * Outputs contract (stacks/outputs.ts; what `pulumi stack output --json --show-secrets` prints
 * and `keytos-siem smoke --outputs` reads). Secrets are separate top-level outputs so the rest
 * stays readable:
 *   customer, policyFile, alertRules[]            always
 *   cloudwatch { region, logGroupName, logGroupArn, logStreamName, ingestionEndpoint, apiKeyId, alarmNames }
 *   cloudwatchApiKey                              secret (the EZCA / EZMonitor portal's API key)
 *   datadog { site, intakeUrl, apiUrl, monitorIds }
 *   datadogApiKey                                 secret
 *   azure { location, workspaceResourceId, ingestionEndpoint, dcrId, dcrImmutableId, streamNames,
 *           tableNames, senderPrincipalId, ruleIds }
 *   kafka { bootstrapServers, topic, saslMechanism, principal }
 */
import * as aws from "@pulumi/aws";
import * as datadog from "@pulumi/datadog";
import * as pulumi from "@pulumi/pulumi";
import { SentinelDestination } from "../components/azure";
import { CloudWatchDestination } from "../components/cloudwatch";
import { DatadogDestination } from "../components/datadog";
import { datadogApiUrl } from "../components/datadog/site";
import { KafkaDestination } from "../components/kafka";
import type { ResolvedStack } from "./config";
import type {
  AlertRuleOutput,
  AzureOutputs,
  CloudWatchOutputs,
  DatadogOutputs,
  KafkaOutputs,
} from "./outputs";

export interface StackOutputs {
  customer: string;
  policyFile: string;
  alertRules: AlertRuleOutput[];
  cloudwatch?: pulumi.Output<CloudWatchOutputs>;
  cloudwatchApiKey?: pulumi.Output<string>;
  datadog?: pulumi.Output<DatadogOutputs>;
  datadogApiKey?: pulumi.Output<string>;
  azure?: pulumi.Output<AzureOutputs>;
  kafka?: pulumi.Output<KafkaOutputs>;
}

/** Provider settings the stack passes through (explicit providers do not read `aws:*` config). */
export interface ProviderConfig {
  awsProfile?: string;
  datadogApiKey?: pulumi.Output<string>;
  datadogAppKey?: pulumi.Output<string>;
}

export function defineStack(
  stack: ResolvedStack,
  projectRelativePolicy: string,
  providers: ProviderConfig = {},
): StackOutputs {
  const { config: c, policy } = stack;
  const rules = policy.rules;
  const out: StackOutputs = {
    customer: c.customer,
    policyFile: projectRelativePolicy,
    alertRules: rules.map((r) => ({
      key: r.key,
      name: r.name,
      severity: r.severity,
      window: r.window,
      threshold: r.threshold,
      destinations: Object.keys(r.destinations).sort(),
    })),
  };

  if (c.cloudwatch) {
    // The log group lives where the destination says, whatever aws:region the stack has.
    const provider = new aws.Provider(`aws-${c.cloudwatch.region}`, {
      region: c.cloudwatch.region as aws.Region,
      ...(providers.awsProfile ? { profile: providers.awsProfile } : {}),
    });
    const cw = new CloudWatchDestination(
      "cloudwatch",
      { ...c.cloudwatch, customer: c.customer, rules },
      { providers: [provider] },
    );
    out.cloudwatch = pulumi.output({
      region: cw.region,
      logGroupName: cw.logGroupName,
      logGroupArn: cw.logGroupArn,
      logStreamName: cw.logStreamName,
      ingestionEndpoint: cw.ingestionEndpoint,
      apiKeyId: cw.apiKeyId ?? null,
      alarmNames: cw.alarmNames,
    });
    if (cw.apiKey) out.cloudwatchApiKey = pulumi.secret(cw.apiKey);
  }

  if (c.datadog) {
    // The provider must talk to the organisation's site: keys from one site fail on another.
    const provider = new datadog.Provider(`datadog-${c.datadog.site}`, {
      apiUrl: datadogApiUrl(c.datadog.site),
      ...(providers.datadogApiKey ? { apiKey: providers.datadogApiKey } : {}),
      ...(providers.datadogAppKey ? { appKey: providers.datadogAppKey } : {}),
    });
    const dd = new DatadogDestination(
      "datadog",
      {
        customer: c.customer,
        site: c.datadog.site,
        rules,
        ...(c.datadog.apiKey !== undefined ? { apiKey: c.datadog.apiKey } : {}),
      },
      { providers: [provider] },
    );
    out.datadog = pulumi.output({
      site: dd.site,
      intakeUrl: dd.intakeUrl,
      apiUrl: dd.apiUrl,
      monitorIds: dd.monitorIds,
    });
    if (dd.apiKey) out.datadogApiKey = pulumi.secret(dd.apiKey);
  }

  if (c.azure) {
    const az = new SentinelDestination("azure", { ...c.azure, customer: c.customer, rules });
    out.azure = pulumi.output({
      location: az.location,
      workspaceResourceId: az.workspaceResourceId,
      ingestionEndpoint: az.ingestionEndpoint,
      dcrId: az.dcrId,
      dcrImmutableId: az.dcrImmutableId,
      streamNames: az.streamNames,
      tableNames: az.tableNames,
      senderPrincipalId: az.senderPrincipalId,
      ruleIds: az.ruleIds,
    });
  }

  if (c.kafka) {
    // The @pulumi/kafka provider comes from the stack's kafka:* config (admin listener, SASL admin).
    const k = new KafkaDestination("kafka", c.kafka);
    out.kafka = pulumi.output({
      bootstrapServers: k.bootstrapServers,
      topic: k.topic,
      saslMechanism: k.saslMechanism,
      principal: k.principal,
    });
  }
  return out;
}
