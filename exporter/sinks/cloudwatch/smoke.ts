/**
 * CloudWatch post-deploy smoke check: send a uniquely tagged test event through the configured
 * path (API key or SigV4), read it back (GetLogEvents, with SigV4 read credentials) within a
 * patience window, and check every alarm's metric-filter pattern against its sample event with
 * TestMetricFilter, or with this project's evaluator where the endpoint lacks it (said so).
 */
import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  TestMetricFilterCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { sampleEvent } from "../../../components/catalog/samples";
import { cloudwatchAlertOf } from "../../../components/cloudwatch/alerts";
import { filterPatternMatches } from "../../../components/cloudwatch/filter-pattern";
import { toCloudWatchEvent } from "../../../components/cloudwatch/shape";
import type { CompiledRule } from "../../../components/policy/compile";
import { explainNetwork, explainStatus } from "../../smoke/explain";
import { type SmokeResult, sendOnce, taggedTestEvent, timed } from "../../smoke/result";
import { type CloudWatchSinkConfig, createCloudWatchSink } from "./index";

export interface CloudWatchSmokeOptions {
  config: CloudWatchSinkConfig;
  env: NodeJS.ProcessEnv;
  rules: readonly CompiledRule[];
  /** Read the event back with SigV4 credentials (false: report "sent, not verified"). */
  readBack?: boolean;
  /** How long to wait for the event to become readable. Default 60 s. */
  patienceMs?: number;
  pollMs?: number;
}

const D = "cloudwatch";

/** AWS answers errors with HTTP 400 and a name: the status each name means for the user. */
const STATUS_OF: Record<string, number> = {
  ResourceNotFoundException: 404,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  ThrottlingException: 429,
};

/** Why reading the test event back failed: credentials, a missing group or stream, the service, or no answer. */
export function readBackProblem(err: unknown, config: CloudWatchSinkConfig): string {
  const e = err as Error & { $metadata?: { httpStatusCode?: number } };
  const what = "read back (GetLogEvents)";
  if (e.name === "CredentialsProviderError")
    return `${what}: no AWS credentials to read with: set AWS_PROFILE or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (they need logs:GetLogEvents)`;
  const status = e.$metadata?.httpStatusCode;
  const where = config.endpoint ?? `the CloudWatch Logs endpoint of ${config.region}`;
  if (status === undefined) return explainNetwork(what, where, err);
  return explainStatus(
    what,
    STATUS_OF[e.name] ?? status,
    {
      credential: `the AWS credentials that read back need logs:GetLogEvents on ${config.logGroupName}`,
      notFound: `log group "${config.logGroupName}" or stream "${config.logStreamName}" does not exist in ${config.region}`,
    },
    `${e.name}: ${e.message}`,
  );
}

export async function smokeCloudWatch(opts: CloudWatchSmokeOptions): Promise<SmokeResult[]> {
  const { config } = opts;
  const client = new CloudWatchLogsClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  const results: SmokeResult[] = [];
  const { env: test, recordId } = taggedTestEvent();

  const sent = await timed(D, "send test event", async () => {
    await sendOnce(createCloudWatchSink(config, { connections: 1, env: opts.env }), test, 30_000);
    return {
      result: "pass",
      detail: `RecordId ${recordId} accepted by ${config.logGroupName}/${config.logStreamName}`,
    };
  });
  results.push(sent);

  if (sent.result === "pass") {
    results.push(
      await timed(D, "read test event back", async () => {
        if (opts.readBack === false)
          return { result: "sent-not-verified", detail: "read-back disabled: sent, not verified" };
        const deadline = Date.now() + (opts.patienceMs ?? 60_000);
        for (;;) {
          const page = await client
            .send(
              new GetLogEventsCommand({
                logGroupName: config.logGroupName,
                logStreamName: config.logStreamName,
                startTime: Math.round(test.time * 1000) - 60_000,
                startFromHead: true,
              }),
            )
            .catch((err: unknown) => {
              throw new Error(readBackProblem(err, config));
            });
          if (page.events?.some((e) => e.message?.includes(recordId))) {
            return {
              result: "pass",
              detail: `found RecordId ${recordId} in ${config.logGroupName}/${config.logStreamName}`,
            };
          }
          if (Date.now() > deadline)
            throw new Error(`RecordId ${recordId} not readable after ${(opts.patienceMs ?? 60_000) / 1000}s`);
          await new Promise((r) => setTimeout(r, opts.pollMs ?? 2000));
        }
      }),
    );
  }

  let testMetricFilter = true;
  for (const rule of opts.rules) {
    const cw = cloudwatchAlertOf(rule);
    if (!cw) continue;
    results.push(
      await timed(D, `alarm pattern ${rule.key}`, async () => {
        const message = toCloudWatchEvent(sampleEvent(rule.product, rule.id)).message;
        let how = "TestMetricFilter";
        let matched: boolean;
        if (testMetricFilter) {
          try {
            const out = await client.send(
              new TestMetricFilterCommand({ filterPattern: cw.pattern, logEventMessages: [message] }),
            );
            matched = (out.matches?.length ?? 0) === 1;
          } catch (err) {
            const e = err as Error & { $metadata?: { httpStatusCode?: number } };
            if (e.name === "InvalidParameterException")
              throw new Error(`CloudWatch rejects pattern ${cw.pattern}: ${e.message}`);
            // The endpoint lacks TestMetricFilter (an emulator) or the caller may not use it.
            testMetricFilter = false;
            how =
              `the local evaluator (TestMetricFilter unavailable: ${e.name} ${e.$metadata?.httpStatusCode ?? ""})`.trim();
            matched = filterPatternMatches(cw.pattern, message);
          }
        } else {
          how = "the local evaluator";
          matched = filterPatternMatches(cw.pattern, message);
        }
        if (!matched)
          throw new Error(
            `pattern ${cw.pattern} does not match the ${rule.key} sample (checked with ${how})`,
          );
        return { result: "pass", detail: `pattern matches the ${rule.key} sample (checked with ${how})` };
      }),
    );
  }
  client.destroy();
  return results;
}
