/**
 * CloudWatch Logs through PutLogEvents (SigV4, AWS SDK). Batches stay within the service limits:
 * 1,048,576 bytes counting 26 bytes per event, 10,000 events, a 24-hour span, sorted by time,
 * events no older than 14 days nor more than 2 hours ahead. Events CloudWatch rejects while
 * accepting the rest (rejectedLogEventsInfo) are dead-lettered, never ignored.
 */
import {
  CloudWatchLogsClient,
  type InputLogEvent,
  PutLogEventsCommand,
  type PutLogEventsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import { toCloudWatchEvent } from "../../../components/cloudwatch/shape";
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../../pipeline/sink";
import type { CloudWatchSinkConfig } from "./spec";

const HOUR = 3_600_000;

export const PUT_LOG_EVENTS_LIMITS: SinkLimits = {
  maxEventsPerRequest: 10_000,
  maxBytesPerRequest: 1_048_576,
  maxBytesPerEvent: 1_048_576 - 26,
  maxBatchSpanMs: 24 * HOUR,
  sortByTime: true,
  maxEventAgeMs: 14 * 24 * HOUR,
  maxEventFutureMs: 2 * HOUR,
};

const RETRYABLE = new Set(["ThrottlingException", "ServiceUnavailableException", "LimitExceededException"]);

/** Maps rejectedLogEventsInfo to per-index rejections (all permanent: resending will not help). */
export function rejectedIndexes(info: PutLogEventsCommandOutput["rejectedLogEventsInfo"], size: number) {
  if (!info) return [];
  const rejected: { index: number; reason: string; retryable: false }[] = [];
  for (let i = 0; i < size; i++) {
    if (info.tooNewLogEventStartIndex !== undefined && i >= info.tooNewLogEventStartIndex) {
      rejected.push({
        index: i,
        reason: "event is too far in the future (tooNewLogEventStartIndex)",
        retryable: false,
      });
    } else if (info.expiredLogEventEndIndex !== undefined && i <= info.expiredLogEventEndIndex) {
      rejected.push({
        index: i,
        reason: "event is older than the log group's retention (expiredLogEventEndIndex)",
        retryable: false,
      });
    } else if (info.tooOldLogEventEndIndex !== undefined && i <= info.tooOldLogEventEndIndex) {
      rejected.push({
        index: i,
        reason: "event is more than 14 days old (tooOldLogEventEndIndex)",
        retryable: false,
      });
    }
  }
  return rejected;
}

export class CloudWatchSdkSink implements Sink<InputLogEvent[]> {
  readonly name = "cloudwatch";
  readonly limits = PUT_LOG_EVENTS_LIMITS;
  private readonly client: CloudWatchLogsClient;

  constructor(private readonly config: CloudWatchSinkConfig) {
    this.client = new CloudWatchLogsClient({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      maxAttempts: 1, // the pipeline retries, with its own budget and counters
    });
  }

  eventBytes(event: SinkEvent): number {
    return Buffer.byteLength(event.json) + 26;
  }

  encode(batch: readonly SinkEvent[]): InputLogEvent[] {
    return batch.map((e) => toCloudWatchEvent(e.env, e.json));
  }

  async send(
    logEvents: InputLogEvent[],
    _batch: readonly SinkEvent[],
    signal: AbortSignal,
  ): Promise<SendOutcome> {
    try {
      const out = await this.client.send(
        new PutLogEventsCommand({
          logGroupName: this.config.logGroupName,
          logStreamName: this.config.logStreamName,
          logEvents,
        }),
        { abortSignal: signal },
      );
      const rejected = rejectedIndexes(out.rejectedLogEventsInfo, logEvents.length);
      return rejected.length > 0 ? { kind: "partial", rejected } : { kind: "ok" };
    } catch (err) {
      return classifyAwsError(err, this.config);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Errors that condemn the events sent (their content, size or time), not the sender. */
const EVENTS_REJECTED = new Set([
  "InvalidParameterException",
  "ValidationException",
  "SerializationException",
]);
/** Errors of the SDK's credential chain: no credentials found, or a provider that failed. */
const NO_CREDENTIALS = new Set(["CredentialsProviderError", "TokenProviderError"]);

export function classifyAwsError(
  err: unknown,
  config: Pick<CloudWatchSinkConfig, "logGroupName" | "logStreamName" | "region">,
): SendOutcome {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const said = `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
  if (NO_CREDENTIALS.has(e.name ?? "")) {
    return {
      kind: "stop",
      reason: `no AWS credentials: ${said} (set AWS_PROFILE or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or run where a role is attached; or use the bearer path with KEYTOS_CLOUDWATCH_API_KEY)`,
    };
  }
  if (status === undefined) {
    return {
      kind: "retryable",
      reason: `network error, no answer from CloudWatch Logs in ${config.region} (check the region, the endpoint and the network): ${said}`,
    };
  }
  if (RETRYABLE.has(e.name ?? "") || status >= 500) return { kind: "retryable", reason: said };
  // Sequence tokens are gone, but an old endpoint may still say the batch was taken already.
  if (e.name === "DataAlreadyAcceptedException") return { kind: "ok" };
  if (e.name === "ResourceNotFoundException") {
    return {
      kind: "stop",
      reason: `${said} (log group "${config.logGroupName}" or stream "${config.logStreamName}" does not exist in ${config.region}: create it with the CloudWatch component, or fix logGroupName / logStreamName / region)`,
    };
  }
  if (EVENTS_REJECTED.has(e.name ?? "")) return { kind: "permanent", reason: said };
  if (status === 401 || status === 403 || /Access|Token|Signature|Credential|Auth/.test(e.name ?? "")) {
    return {
      kind: "stop",
      reason: `${said} (check the AWS credentials and logs:PutLogEvents on the log group)`,
    };
  }
  // Any other refusal is about the request's target or the account, not the events.
  return { kind: "stop", reason: `${said} (CloudWatch refused the request itself, not the events)` };
}
