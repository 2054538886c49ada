/**
 * CloudWatch destination: replaces the manual steps of the Keytos CloudWatch guides. Log group
 * and stream; an IAM user with the narrowest policy and a CloudWatch Logs API key (bearer token,
 * a Pulumi secret); bearer authentication enabled on the group; per compiled alert rule a metric
 * filter with the rule's pattern and an alarm notifying SNS (e-mail subscriptions or existing
 * topics).
 */
import { createHash } from "node:crypto";
// The services used, not @pulumi/aws itself: its index loads all ~300 of them (0.1-0.2 s).
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as sns from "@pulumi/aws/sns";
import * as pulumi from "@pulumi/pulumi";
import { settingsOrThrow } from "../config/settings";
import type { CompiledAlert } from "../policy/compile";
import { cloudwatchAlertOf } from "./alerts";
import { BearerTokenAuthentication, PlannedBearerTokenAuthentication } from "./bearer-auth";
import {
  CLOUDWATCH_COMPONENT,
  CLOUDWATCH_COMPONENT_ALIASES,
  type CloudWatchSettings,
  checkCloudWatch,
  cloudwatchSettings,
  ingestionEndpoint,
  resolveCloudWatch,
} from "./contract";
import { senderPolicyDocument } from "./sender-policy";

export interface CloudWatchDestinationArgs extends CloudWatchSettings {
  /** Customer name, used in default names and tags. */
  customer: string;
  /** Compiled alerts (events and custom detections); those with a `cloudwatch` part get a metric filter and an alarm. */
  rules: readonly CompiledAlert[];
  /** Registered by `plan` (DeployContext.planOnly): bearer auth's provider code is not serialized. */
  planOnly?: boolean;
}

/** The alarm's description: the event and its response, or the detection and its query. */
function alarmDescription(rule: CompiledAlert): string {
  if (rule.kind === "detection")
    return `Detection ${rule.name} (policy detection). ${rule.description} Pattern: ${rule.queries.cloudwatch}`;
  return `${rule.key} ${rule.name} (${rule.criticality}, policy rule ${rule.rule}). ${rule.description}. Response: ${rule.response}`;
}

export class CloudWatchDestination extends pulumi.ComponentResource {
  readonly region: string;
  readonly logGroupName: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;
  readonly logStreamName: pulumi.Output<string>;
  readonly logStreamArn: pulumi.Output<string>;
  /** HTTP ingestion endpoint for the region (what EZCA / EZMonitor post to). */
  readonly ingestionEndpoint: string;
  /** The newest API key (bearer token) for the EZCA / EZMonitor portal: a Pulumi secret. Undefined with apiKey: false. */
  readonly apiKey: pulumi.Output<string> | undefined;
  readonly apiKeyId: pulumi.Output<string> | undefined;
  /** Every API key by label (rotation keeps two): a Pulumi secret. */
  readonly apiKeys: pulumi.Output<Record<string, string>> | undefined;
  /** Whether bearer-token authentication is enabled on the log group (with apiKey). */
  readonly bearerAuthEnabled: pulumi.Output<boolean> | undefined;
  readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: CloudWatchDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): bad settings must fail before any resource is registered.
    const { customer, rules, planOnly, ...settings } = args;
    const s = resolveCloudWatch(
      settingsOrThrow("CloudWatch destination", cloudwatchSettings, { customer, settings }, checkCloudWatch),
      customer,
    );
    super(
      CLOUDWATCH_COMPONENT,
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), ...CLOUDWATCH_COMPONENT_ALIASES],
      },
    );
    const parent = { parent: this };

    const group = new cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: s.logGroupName,
        retentionInDays: s.retentionInDays,
        tags: s.tags,
        ...(s.kmsKeyArn ? { kmsKeyId: s.kmsKeyArn } : {}),
      },
      parent,
    );
    const stream = new cloudwatch.LogStream(
      `${name}-stream`,
      { name: s.logStreamName, logGroupName: group.name },
      parent,
    );

    if (s.apiKey) {
      const user = new iam.User(
        `${name}-sender`,
        { name: `keytos-siem-${customer}-sender`, tags: s.tags },
        parent,
      );
      new iam.UserPolicy(
        `${name}-sender-policy`,
        {
          user: user.name,
          policy: pulumi
            .all([group.arn, stream.arn])
            .apply(([g, st]) => senderPolicyDocument(g, st, s.kmsKeyArn)),
        },
        parent,
      );
      const keys = s.apiKeyLabels.map(
        (label) =>
          [
            label,
            new iam.ServiceSpecificCredential(
              `${name}-api-key-${label}`,
              {
                serviceName: "logs.amazonaws.com",
                userName: user.name,
                ...(s.apiKeyAgeDays ? { credentialAgeDays: s.apiKeyAgeDays } : {}),
              },
              { ...parent, additionalSecretOutputs: ["serviceCredentialSecret", "servicePassword"] },
            ),
          ] as const,
      );
      const newest = (keys[keys.length - 1] as (typeof keys)[number])[1];
      const BearerAuth = planOnly ? PlannedBearerTokenAuthentication : BearerTokenAuthentication;
      const bearer = new BearerAuth(
        `${name}-bearer-auth`,
        { region: s.region, logGroupName: group.name, enabled: true },
        { ...parent, dependsOn: [stream] },
      );
      this.bearerAuthEnabled = bearer.enabled;
      this.apiKey = pulumi.secret(newest.serviceCredentialSecret);
      this.apiKeyId = newest.serviceSpecificCredentialId;
      this.apiKeys = pulumi.secret(
        pulumi
          .all(keys.map(([label, k]) => k.serviceCredentialSecret.apply((v): [string, string] => [label, v])))
          .apply((entries): Record<string, string> => Object.fromEntries(entries)),
      );
    }

    const alarms = rules.flatMap((rule) => {
      const cw = cloudwatchAlertOf(rule);
      if (!cw) return [];
      const filter = new cloudwatch.LogMetricFilter(
        `${name}-${rule.slug}`,
        {
          name: `keytos-${rule.slug}`,
          logGroupName: group.name,
          pattern: cw.pattern,
          metricTransformation: {
            name: cw.metricName,
            namespace: cw.metricNamespace,
            value: "1",
            unit: "Count",
          },
        },
        parent,
      );
      const actions = [
        ...cw.topicArns,
        ...(s.alarmTopicArn ? [s.alarmTopicArn] : []),
        ...this.emailTopic(name, cw.emails, s.tags),
      ];
      return [
        new cloudwatch.MetricAlarm(
          `${name}-${rule.slug}-alarm`,
          {
            name: `keytos-${customer}-${rule.slug}`,
            alarmDescription: alarmDescription(rule),
            namespace: cw.metricNamespace,
            metricName: cw.metricName,
            statistic: cw.statistic,
            period: cw.period,
            evaluationPeriods: cw.evaluationPeriods,
            threshold: cw.threshold,
            comparisonOperator: cw.comparisonOperator,
            treatMissingData: cw.treatMissingData,
            alarmActions: actions,
            tags: {
              ...s.tags,
              ...(rule.kind === "event" ? { event: rule.key } : { detection: rule.name }),
              severity: rule.severity,
            },
          },
          { ...parent, dependsOn: [filter] },
        ).name,
      ];
    });

    this.region = s.region;
    this.logGroupName = group.name;
    this.logGroupArn = group.arn;
    this.logStreamName = stream.name;
    this.logStreamArn = stream.arn;
    this.ingestionEndpoint = ingestionEndpoint(s.region);
    this.alarmNames = pulumi.all(alarms);
    this.registerOutputs({
      region: this.region,
      logGroupName: this.logGroupName,
      logGroupArn: this.logGroupArn,
      logStreamName: this.logStreamName,
      logStreamArn: this.logStreamArn,
      ingestionEndpoint: this.ingestionEndpoint,
      apiKey: this.apiKey,
      apiKeyId: this.apiKeyId,
      apiKeys: this.apiKeys,
      bearerAuthEnabled: this.bearerAuthEnabled,
      alarmNames: this.alarmNames,
    });
  }

  private topics: Map<string, pulumi.Output<string>> | undefined;

  /** One SNS topic per distinct e-mail list, each address subscribed (AWS sends a confirmation). */
  private emailTopic(
    name: string,
    emails: readonly string[],
    tags: Record<string, string>,
  ): pulumi.Output<string>[] {
    if (emails.length === 0) return [];
    const list = [...new Set(emails)].sort();
    const id = createHash("sha256").update(list.join(",")).digest("hex").slice(0, 8);
    this.topics ??= new Map();
    const existing = this.topics.get(id);
    if (existing) return [existing];
    const topic = new sns.Topic(`${name}-alerts-${id}`, { tags }, { parent: this });
    for (const email of list) {
      const sub = createHash("sha256").update(email).digest("hex").slice(0, 8);
      new sns.TopicSubscription(
        `${name}-alerts-${id}-${sub}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        { parent: this },
      );
    }
    this.topics.set(id, topic.arn);
    return [topic.arn];
  }
}
