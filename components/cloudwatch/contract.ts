/**
 * The CloudWatch destination's contract, defined once: the log target (region, group, stream)
 * shared by the component, the stack config and the sender; the component's settings; the stack
 * outputs. Pure zod, no SDK and no Pulumi: every layer loads it cheaply.
 */
import { z } from "zod";
import { flag, text, wholeNumber } from "../config/settings";
import { strict } from "../config/yaml-file";

export const CLOUDWATCH_COMPONENT = "keytos-siem:cloudwatch:CloudWatchDestination";
/** The token before the destination had one name: deployed stacks keep their resources. */
export const CLOUDWATCH_COMPONENT_ALIASES = [{ type: "keytos-siem:aws:CloudWatchDestination" }];

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

const region = z
  .string({ error: "must be an AWS region name" })
  .refine(
    (r) => (AWS_REGIONS as readonly string[]).includes(r),
    `is not an AWS region with CloudWatch Logs; e.g. us-east-1, eu-west-1 (all: ${AWS_REGIONS.join(", ")})`,
  );
const logGroupName = z
  .string({ error: "must be a log group name" })
  .regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, "must be 1-512 characters of letters, digits and . - _ / #");
const logStreamName = z
  .string({ error: "must be a log stream name" })
  .regex(/^[^:*]{1,512}$/, "must be 1-512 characters without : or *");

/**
 * Where events land: what the sender needs and the stack outputs carry. A shape, so each layer
 * builds its own strict object from it (an extended strict object would list stale fields).
 */
export const cloudwatchTarget = {
  /** AWS region of the log group, e.g. us-east-1. */
  region,
  /** Log group name. Default (component) `/keytos-siem/<customer>`. */
  logGroupName,
  /** Log stream EZCA / EZMonitor write to. Default (component) `ezca`. */
  logStreamName,
};

const snsTopicArn = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

export const cloudwatchSettings = strict({
  ...cloudwatchTarget,
  logGroupName: logGroupName.optional(),
  logStreamName: logStreamName.optional(),
  /** Days to keep events; one of RETENTION_DAYS. Default 365. */
  retentionInDays: wholeNumber()
    .refine(
      (d) => (RETENTION_DAYS as readonly number[]).includes(d),
      `is not accepted by CloudWatch; use one of ${RETENTION_DAYS.join(", ")}`,
    )
    .optional(),
  /** KMS key ARN to encrypt the log group (optional). */
  kmsKeyArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
      "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
    )
    .optional(),
  /** Create an IAM user + API key for bearer-token ingestion (default true); false when the sender signs with SigV4. */
  apiKey: flag().optional(),
  /** API key lifetime in days (1-36600); unset = no expiry. */
  apiKeyAgeDays: wholeNumber()
    .refine((d) => d >= 1 && d <= 36600, "must be a whole number of days from 1 to 36600")
    .optional(),
  /**
   * Labels of the API keys to keep (IAM allows two per user, which is what rotation needs):
   * add a second label, give its key to the portals, then remove the first. Default ["primary"].
   */
  apiKeyLabels: z
    .array(z.string(), { error: "must be a list of labels" })
    .refine(
      (labels) =>
        labels.length >= 1 &&
        labels.length <= 2 &&
        new Set(labels).size === labels.length &&
        labels.every((l) => /^[a-z0-9-]{1,20}$/.test(l)),
      "must be one or two distinct labels of lower-case letters, digits and dashes (IAM allows two keys per user)",
    )
    .optional(),
  /** Existing SNS topic for every alarm, instead of a topic per e-mail list. */
  alarmTopicArn: z.string().regex(snsTopicArn, "must be an SNS topic ARN").optional(),
  tags: z.record(text(), z.string(), { error: "must be a map of tag names to values" }).optional(),
});
export type CloudWatchSettings = z.input<typeof cloudwatchSettings>;

/** Rules across fields. */
export function checkCloudWatch(s: Partial<z.output<typeof cloudwatchSettings>>): string[] {
  const problems: string[] = [];
  if (s.apiKeyAgeDays !== undefined && s.apiKey === false) {
    problems.push("apiKeyAgeDays is set but apiKey is false: remove one of them");
  }
  if (s.apiKeyLabels !== undefined && s.apiKey === false) {
    problems.push("apiKeyLabels is set but apiKey is false: remove one of them");
  }
  return problems;
}

/** Settings with every default filled in (defaults that depend on the customer included). */
export function resolveCloudWatch(s: z.output<typeof cloudwatchSettings>, customer: string) {
  return {
    ...s,
    logGroupName: s.logGroupName ?? `/keytos-siem/${customer}`,
    logStreamName: s.logStreamName ?? "ezca",
    retentionInDays: s.retentionInDays ?? 365,
    apiKey: s.apiKey ?? true,
    apiKeyLabels: s.apiKeyLabels ?? ["primary"],
    tags: { "managed-by": "keytos-siem", customer, ...s.tags },
  };
}

/** The stack output `cloudwatch` (the API key is the separate secret output `cloudwatchApiKey`). */
export const cloudwatchOutputs = z.object({
  ...cloudwatchTarget,
  logGroupArn: z.string(),
  /** HTTP ingestion endpoint for the API key (bearer token). */
  ingestionEndpoint: z.string(),
  apiKeyId: z.string().nullable(),
  alarmNames: z.array(z.string()),
});
export type CloudWatchOutputs = z.infer<typeof cloudwatchOutputs>;

/** The HTTP ingestion endpoint EZCA / EZMonitor post to with the API key. */
export function ingestionEndpoint(region: string): string {
  return `https://logs.${region}.amazonaws.com`;
}
