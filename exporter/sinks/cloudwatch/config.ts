/**
 * `cloudwatch` section of the send config. Two ways in:
 *   sigv4   PutLogEvents through the AWS SDK, credentials from the standard AWS chain
 *           (environment, shared config/SSO, instance or task role);
 *   bearer  the CloudWatch Logs HTTP ingestion endpoint with an API key (bearer token) from
 *           KEYTOS_CLOUDWATCH_API_KEY, as the EZCA / EZMonitor portals use it.
 */
import { z } from "zod";
import { LOG_GROUP_NAME, LOG_STREAM_NAME } from "../../../components/cloudwatch/args";
import { strict } from "../../../components/config/yaml-file";

export const cloudWatchSinkConfigSchema = strict({
  /** AWS region of the log group, e.g. us-east-1. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: "must be an AWS region such as us-east-1" }),
  logGroup: z
    .string()
    .regex(LOG_GROUP_NAME, { error: "must be 1-512 characters of letters, digits and . - _ / #" }),
  logStream: z.string().regex(LOG_STREAM_NAME, { error: "must be 1-512 characters without : or *" }),
  /** sigv4 (default when no API key is set) or bearer (default when KEYTOS_CLOUDWATCH_API_KEY is set). */
  auth: z.enum(["sigv4", "bearer"]).optional(),
  /** Override the service endpoint (tests, VPC endpoints). */
  endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /** API key for the bearer path; prefer KEYTOS_CLOUDWATCH_API_KEY. */
  apiKey: z.string().min(1).optional(),
  insecureSkipVerify: z.boolean().optional(),
});
export type CloudWatchSinkConfig = z.infer<typeof cloudWatchSinkConfigSchema>;

export function cloudWatchFromEnv(env: NodeJS.ProcessEnv): Partial<CloudWatchSinkConfig> {
  return {
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(env.KEYTOS_CLOUDWATCH_LOG_GROUP ? { logGroup: env.KEYTOS_CLOUDWATCH_LOG_GROUP } : {}),
    ...(env.KEYTOS_CLOUDWATCH_LOG_STREAM ? { logStream: env.KEYTOS_CLOUDWATCH_LOG_STREAM } : {}),
  };
}

/** The HTTP ingestion endpoint (structured JSON) for a region. */
export function cloudWatchIngestionUrl(region: string, endpoint?: string): URL {
  return new URL("/ingest/json", endpoint ?? `https://logs.${region}.amazonaws.com`);
}
