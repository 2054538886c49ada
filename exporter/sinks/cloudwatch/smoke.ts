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
import type { CompiledAlert } from "../../../components/policy/compile";
import { smokeDetection } from "../../smoke/detection";
import { explainNetwork, explainStatus } from "../../smoke/explain";
import { type SmokeResult, sendOnce, taggedTestEvent, timed } from "../../smoke/result";
import { type CloudWatchSinkConfig, createCloudWatchSink } from "./index";

export interface CloudWatchSmokeOptions {
  config: CloudWatchSinkConfig;
  env: NodeJS.ProcessEnv;
  rules: readonly CompiledAlert[];
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
  /** Which messages a pattern matches: TestMetricFilter, or this project's evaluator where it is unavailable. */
  const testPattern = async (pattern: string, messages: string[]) => {
    const local = (how: string) => ({ matched: messages.map((m) => filterPatternMatches(pattern, m)), how });
    if (!testMetricFilter) return local("the local evaluator");
    try {
      const out = await client.send(
        new TestMetricFilterCommand({ filterPattern: pattern, logEventMessages: messages }),
      );
      // eventNumber counts the given messages from 1.
      const hit = new Set((out.matches ?? []).map((m) => m.eventNumber));
      return { matched: messages.map((_, i) => hit.has(i + 1)), how: "TestMetricFilter" };
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      if (e.name === "InvalidParameterException")
        throw new Error(`CloudWatch rejects pattern ${pattern}: ${e.message}`);
      // The endpoint lacks TestMetricFilter (an emulator) or the caller may not use it.
      testMetricFilter = false;
      return local(
        `the local evaluator (TestMetricFilter unavailable: ${e.name} ${e.$metadata?.httpStatusCode ?? ""})`.trim(),
      );
    }
  };
  for (const rule of opts.rules) {
    const cw = cloudwatchAlertOf(rule);
    if (!cw) continue;
    if (rule.kind === "detection") {
      results.push(
        await smokeDetection(D, rule, (events) =>
          testPattern(
            cw.pattern,
            events.map((e) => toCloudWatchEvent(e).message),
          ),
        ),
      );
      continue;
    }
    results.push(
      await timed(D, `alarm pattern ${rule.key}`, async () => {
        const message = toCloudWatchEvent(sampleEvent(rule.product, rule.id)).message;
        const {
          matched: [matched],
          how,
        } = await testPattern(cw.pattern, [message]);
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
