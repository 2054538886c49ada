/**
 * How `plan` shows the resources this destination creates (what a reviewer checks: names,
 * retention, patterns, grants; never credentials) and what the mocks answer for the ones whose
 * computed properties feed further inputs (ARNs).
 */
import { pick } from "../config/plan-tables";
import type { PlanTables } from "../destination";

type Inputs = Record<string, unknown>;

const ACCOUNT = "000000000000";
const REGION = "region";

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
    "aws:cloudwatch/logGroup:LogGroup": ({ inputs }) => ({
      id: String(inputs.name),
      state: { arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${inputs.name}` },
    }),
    "aws:cloudwatch/logStream:LogStream": ({ inputs }) => ({
      id: String(inputs.name),
      state: {
        arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${inputs.logGroupName}:log-stream:${inputs.name}`,
      },
    }),
    "aws:sns/topic:Topic": ({ name }) => ({
      id: name,
      state: { arn: `arn:aws:sns:${REGION}:${ACCOUNT}:${name}` },
    }),
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": ({ name }) => ({
      id: name,
      state: {
        serviceCredentialSecret: "(known after apply)",
        serviceSpecificCredentialId: "(known after apply)",
      },
    }),
  },
};
