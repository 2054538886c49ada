/**
 * Arguments of the CloudWatch destination, validated up front (aws-cdk style): every problem is
 * reported at once, naming the field, the bad value and what is allowed, before any resource is
 * registered. Pure: no Pulumi import.
 */

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** AWS regions with CloudWatch Logs (commercial, GovCloud, China). */
export const AWS_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-south-2",
  "eu-north-1",
  "il-central-1",
  "me-south-1",
  "me-central-1",
  "mx-central-1",
  "sa-east-1",
  "us-gov-east-1",
  "us-gov-west-1",
  "cn-north-1",
  "cn-northwest-1",
] as const;

/** Log group and stream names CloudWatch Logs accepts. */
export const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
export const LOG_STREAM_NAME = /^[^:*]{1,512}$/;

export interface CloudWatchSettings {
  /** AWS region of the log group. */
  region: string;
  /** Log group name. Default `/keytos-siem/<customer>`. */
  logGroupName?: string;
  /** Log stream EZCA / EZMonitor write to. Default `ezca`. */
  logStreamName?: string;
  /** Days to keep events; one of RETENTION_DAYS. Default 365. */
  retentionInDays?: number;
  /** KMS key ARN to encrypt the log group (optional). */
  kmsKeyArn?: string;
  /** Create an IAM user + API key for bearer-token ingestion (default true); false when the sender signs with SigV4. */
  apiKey?: boolean;
  /** API key lifetime in days (1-36600); unset = no expiry. */
  apiKeyAgeDays?: number;
  /**
   * Labels of the API keys to keep (IAM allows two per user, which is what rotation needs):
   * add a second label, give its key to the portals, then remove the first. Default ["primary"].
   */
  apiKeyLabels?: string[];
  /** Existing SNS topic for every alarm, instead of a topic per e-mail list. */
  alarmTopicArn?: string;
  tags?: Record<string, string>;
}

export interface ResolvedCloudWatchSettings
  extends Required<
    Pick<
      CloudWatchSettings,
      "region" | "logGroupName" | "logStreamName" | "retentionInDays" | "apiKey" | "apiKeyLabels"
    >
  > {
  kmsKeyArn?: string;
  apiKeyAgeDays?: number;
  alarmTopicArn?: string;
  tags: Record<string, string>;
}

export class CloudWatchArgsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid CloudWatch destination settings:\n  ${problems.join("\n  ")}`);
    this.name = "CloudWatchArgsError";
  }
}

/** Validates settings and fills defaults; throws CloudWatchArgsError listing every problem. */
export function resolveCloudWatchSettings(
  s: CloudWatchSettings,
  customer: string,
): ResolvedCloudWatchSettings {
  const problems: string[] = [];
  const logGroupName = s.logGroupName ?? `/keytos-siem/${customer}`;
  const logStreamName = s.logStreamName ?? "ezca";
  const retentionInDays = s.retentionInDays ?? 365;
  if (!(AWS_REGIONS as readonly string[]).includes(s.region)) {
    problems.push(
      `region "${s.region}" is not an AWS region with CloudWatch Logs; e.g. us-east-1, eu-west-1 (all: ${AWS_REGIONS.join(", ")})`,
    );
  }
  if (!LOG_GROUP_NAME.test(logGroupName)) {
    problems.push(`logGroupName "${logGroupName}" must be 1-512 characters of letters, digits and . - _ / #`);
  }
  if (!LOG_STREAM_NAME.test(logStreamName)) {
    problems.push(`logStreamName "${logStreamName}" must be 1-512 characters without : or *`);
  }
  if (!(RETENTION_DAYS as readonly number[]).includes(retentionInDays)) {
    problems.push(
      `retentionInDays ${retentionInDays} is not accepted by CloudWatch; use one of ${RETENTION_DAYS.join(", ")}`,
    );
  }
  if (
    s.kmsKeyArn !== undefined &&
    !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(s.kmsKeyArn)
  ) {
    problems.push(
      `kmsKeyArn "${s.kmsKeyArn}" must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`,
    );
  }
  if (
    s.apiKeyAgeDays !== undefined &&
    (!Number.isInteger(s.apiKeyAgeDays) || s.apiKeyAgeDays < 1 || s.apiKeyAgeDays > 36600)
  ) {
    problems.push(`apiKeyAgeDays ${s.apiKeyAgeDays} must be a whole number of days from 1 to 36600`);
  }
  if (s.apiKeyAgeDays !== undefined && s.apiKey === false) {
    problems.push("apiKeyAgeDays is set but apiKey is false: remove one of them");
  }
  const labels = s.apiKeyLabels ?? ["primary"];
  if (
    labels.length < 1 ||
    labels.length > 2 ||
    new Set(labels).size !== labels.length ||
    !labels.every((l) => /^[a-z0-9-]{1,20}$/.test(l))
  ) {
    problems.push(
      `apiKeyLabels ${JSON.stringify(labels)} must be one or two distinct labels of lower-case letters, digits and dashes (IAM allows two keys per user)`,
    );
  }
  if (s.apiKeyLabels !== undefined && s.apiKey === false) {
    problems.push("apiKeyLabels is set but apiKey is false: remove one of them");
  }
  if (
    s.alarmTopicArn !== undefined &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(s.alarmTopicArn)
  ) {
    problems.push(`alarmTopicArn "${s.alarmTopicArn}" must be an SNS topic ARN`);
  }
  if (problems.length > 0) throw new CloudWatchArgsError(problems);
  return {
    region: s.region,
    logGroupName,
    logStreamName,
    retentionInDays,
    apiKey: s.apiKey ?? true,
    apiKeyLabels: labels,
    tags: { "managed-by": "keytos-siem", customer, ...s.tags },
    ...(s.kmsKeyArn ? { kmsKeyArn: s.kmsKeyArn } : {}),
    ...(s.apiKeyAgeDays ? { apiKeyAgeDays: s.apiKeyAgeDays } : {}),
    ...(s.alarmTopicArn ? { alarmTopicArn: s.alarmTopicArn } : {}),
  };
}

/** The HTTP ingestion endpoint EZCA / EZMonitor post to with the API key. */
export function ingestionEndpoint(region: string): string {
  return `https://logs.${region}.amazonaws.com`;
}

/**
 * The sender's inline policy: PutLogEvents and CallWithBearerToken on this log group and stream
 * only, no wildcard resources. JSON with sorted keys so re-runs show no diff.
 */
export function senderPolicyDocument(logGroupArn: string, logStreamArn: string, kmsKeyArn?: string): string {
  const statements: object[] = [
    {
      Action: ["logs:CallWithBearerToken", "logs:PutLogEvents"],
      Effect: "Allow",
      Resource: [logGroupArn, logStreamArn],
      Sid: "SendAuditEventsToThisLogGroupOnly",
    },
  ];
  if (kmsKeyArn) {
    // An encrypted group: the key, only through CloudWatch Logs, only for this log group.
    statements.push({
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Condition: {
        ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn },
        StringEquals: { "kms:ViaService": `logs.${kmsKeyArn.split(":")[3]}.amazonaws.com` },
      },
      Effect: "Allow",
      Resource: kmsKeyArn,
      Sid: "UseThisLogGroupsKeyThroughCloudWatchLogsOnly",
    });
  }
  return JSON.stringify({ Statement: statements, Version: "2012-10-17" });
}
