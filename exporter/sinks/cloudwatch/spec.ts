/**
 * The `cloudwatch` destination for `send` and `smoke`. Two ways in:
 *   sigv4   PutLogEvents through the AWS SDK, credentials from the standard AWS chain
 *           (environment, shared config/SSO, instance or task role);
 *   bearer  the CloudWatch Logs HTTP ingestion endpoint with an API key (bearer token) from
 *           KEYTOS_CLOUDWATCH_API_KEY, as the EZCA / EZMonitor portals use it.
 * The log target is the component's own (components/cloudwatch/contract.ts).
 */
import { z } from "zod";
import { type CloudWatchOutputs, cloudwatchTarget } from "../../../components/cloudwatch/contract";
import { strict } from "../../../components/config/yaml-file";
import type { SinkSpec } from "../spec";

export const cloudWatchSinkConfigSchema = strict({
  ...cloudwatchTarget,
  /** sigv4 (default when no API key is set) or bearer (default when KEYTOS_CLOUDWATCH_API_KEY is set). */
  auth: z.enum(["sigv4", "bearer"], { error: "must be sigv4 or bearer" }).optional(),
  /** Override the service endpoint (tests, VPC endpoints). */
  endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /** API key for the bearer path: deprecated here, use KEYTOS_CLOUDWATCH_API_KEY. */
  apiKey: z.string().min(1).optional(),
  insecureSkipVerify: z.boolean().optional(),
});
export type CloudWatchSinkConfig = z.infer<typeof cloudWatchSinkConfigSchema>;

export const cloudwatchSpec = {
  key: "cloudwatch",
  title: "AWS CloudWatch Logs",
  config: cloudWatchSinkConfigSchema,
  env: {
    region: "AWS_REGION",
    logGroupName: "KEYTOS_CLOUDWATCH_LOG_GROUP",
    logStreamName: "KEYTOS_CLOUDWATCH_LOG_STREAM",
  },
  aliases: { logGroup: "logGroupName", logStream: "logStreamName" },
  deprecated: { apiKey: "export KEYTOS_CLOUDWATCH_API_KEY instead (secrets stay out of files)" },
  create: (config, o) => (require("./index") as typeof import("./index")).createCloudWatchSink(config, o),
  smoke: (o, secrets, ctx) =>
    (require("./smoke") as typeof import("./smoke")).smokeCloudWatch({
      config: {
        region: o.region,
        logGroupName: o.logGroupName,
        logStreamName: o.logStreamName,
        // The portals post with the API key: test that path when the stack made one.
        auth: secrets.apiKey ? "bearer" : "sigv4",
        ...(ctx.env.KEYTOS_CLOUDWATCH_ENDPOINT ? { endpoint: ctx.env.KEYTOS_CLOUDWATCH_ENDPOINT } : {}),
      },
      env: secrets.apiKey ? { ...ctx.env, KEYTOS_CLOUDWATCH_API_KEY: secrets.apiKey } : ctx.env,
      rules: ctx.rules,
      ...(ctx.patienceMs !== undefined ? { patienceMs: ctx.patienceMs } : {}),
    }),
  help: {
    send: [
      "AWS_REGION, KEYTOS_CLOUDWATCH_LOG_GROUP, KEYTOS_CLOUDWATCH_LOG_STREAM;",
      "KEYTOS_CLOUDWATCH_API_KEY (bearer path) or the AWS credential chain (SigV4)",
    ],
    smoke: ["AWS credential chain (GetLogEvents, TestMetricFilter); KEYTOS_CLOUDWATCH_ENDPOINT"],
  },
} satisfies SinkSpec<typeof cloudWatchSinkConfigSchema, CloudWatchOutputs>;
