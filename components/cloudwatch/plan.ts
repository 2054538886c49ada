/**
 * How `plan` shows the resources this destination creates (what a reviewer checks: names,
 * retention, patterns, grants; never credentials) and what the mocks answer for the ones whose
 * computed properties feed further inputs: ARNs, known only after deploy.
 */
import { KNOWN_AFTER_DEPLOY, pick } from "../config/plan-tables";
import type { PlanTables } from "../destination";

type Inputs = Record<string, unknown>;

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

export const cloudwatchPlan: PlanTables = {
  show: {
    "pulumi:providers:aws": pick("region", "profile"),
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
  },
  mock: {
    // The provider's id of a log group or stream is its name; ARNs name the account: known after deploy.
    "aws:cloudwatch/logGroup:LogGroup": ({ inputs }) => ({
      id: String(inputs.name),
      state: { arn: KNOWN_AFTER_DEPLOY },
    }),
    "aws:cloudwatch/logStream:LogStream": ({ inputs }) => ({
      id: String(inputs.name),
      state: { arn: KNOWN_AFTER_DEPLOY },
    }),
    "aws:sns/topic:Topic": () => ({ id: KNOWN_AFTER_DEPLOY, state: { arn: KNOWN_AFTER_DEPLOY } }),
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": () => ({
      id: KNOWN_AFTER_DEPLOY,
      state: {
        serviceCredentialSecret: KNOWN_AFTER_DEPLOY,
        serviceSpecificCredentialId: KNOWN_AFTER_DEPLOY,
      },
    }),
  },
};
