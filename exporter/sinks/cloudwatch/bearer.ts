/**
 * CloudWatch Logs HTTP ingestion with an API key: `Authorization: Bearer`, `x-aws-log-group`,
 * `x-aws-log-stream`, the structured JSON endpoint (/ingest/json), which stores each posted
 * object as the log message, so the metric filters' `$.source` / `$.event.EventID` match.
 * Limits as documented for the HTTP endpoints: 256 KB per event, 1 MB and 10,000 events per
 * request. 200 with `{}` is success.
 */
import { ingestionEndpoint } from "../../../components/cloudwatch/contract";
import { joinJson } from "../../pipeline/encode";
import { classifyStatus, createClient, type HttpClient, post } from "../../pipeline/http";
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../../pipeline/sink";
import type { CloudWatchSinkConfig } from "./spec";

const HOUR = 3_600_000;

export const HTTP_INGESTION_LIMITS: SinkLimits = {
  maxEventsPerRequest: 10_000,
  maxBytesPerRequest: 1_048_576,
  maxBytesPerEvent: 256 * 1024,
  maxEventAgeMs: 14 * 24 * HOUR,
  maxEventFutureMs: 2 * HOUR,
};

/** The HTTP ingestion endpoint (structured JSON): the region's, as the component outputs it, or an override. */
function ingestionUrl(region: string, endpoint?: string): URL {
  return new URL("/ingest/json", endpoint ?? ingestionEndpoint(region));
}

export class CloudWatchBearerSink implements Sink<Buffer> {
  readonly name = "cloudwatch";
  readonly limits = HTTP_INGESTION_LIMITS;
  private readonly pool: HttpClient;
  private readonly url: URL;

  constructor(
    private readonly config: CloudWatchSinkConfig,
    private readonly apiKey: string,
    connections: number,
  ) {
    this.url = ingestionUrl(config.region, config.endpoint);
    this.pool = createClient({
      url: this.url,
      connections,
      ...(config.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    });
  }

  /** Array element plus its comma. */
  eventBytes(event: SinkEvent): number {
    return Buffer.byteLength(event.json) + 1;
  }

  /** Each posted object becomes one log event's message: the envelope's (spooled) JSON, as toCloudWatchEvent says. */
  encode(batch: readonly SinkEvent[]): Buffer {
    return joinJson(
      batch.map((e) => e.json),
      "[",
      ",",
      "]",
    );
  }

  async send(body: Buffer, _batch: readonly SinkEvent[], signal: AbortSignal): Promise<SendOutcome> {
    const res = await post(this.pool, {
      path: this.url.pathname,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        "content-type": "application/json",
        "x-aws-log-group": this.config.logGroupName,
        "x-aws-log-stream": this.config.logStreamName,
      },
      body,
      signal,
    });
    if ("kind" in res) return res;
    const outcome = classifyStatus(res.statusCode, res.headers, res.text, {
      auth: `the API key is wrong or expired, or bearer token authentication is not enabled on the log group; API keys are in preview in some regions only, check that ${this.config.region} offers them`,
      notFound: `log group "${this.config.logGroupName}" or stream "${this.config.logStreamName}" does not exist in ${this.config.region}`,
    });
    if (outcome.kind === "permanent" && res.statusCode === 400) {
      return {
        ...outcome,
        reason: `${outcome.reason} (CloudWatch rejected the request as invalid: event format, size or time)`,
      };
    }
    return outcome;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
