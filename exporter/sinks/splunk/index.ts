/**
 * The `splunk` destination: HEC events (shape.ts) concatenated in one body per request, POSTed to
 * <hecUrl><path> over keep-alive HTTP(S) with `Authorization: Splunk <token>` (or Bearer for
 * LogScale). Answers are classified from HEC's code table (reply.ts). With indexer
 * acknowledgement, every request carries the sender's channel and a batch counts as delivered
 * only once its ackId is confirmed (ack.ts). The token comes from SPLUNK_HEC_TOKEN only.
 */
import { randomUUID } from "node:crypto";
import { hecConflict, toHecEvent } from "../../../components/splunk/shape";
import { joinJson } from "../../pipeline/encode";
import { createClient, type HttpClient, post } from "../../pipeline/http";
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../../pipeline/sink";
import type { SinkOptions } from "../spec";
import { AckPoller } from "./ack";
import { classifyHec, type HecHints, parseReply } from "./reply";
import { HEC_ACK_PATH, HEC_EVENT_PATH, HEC_TOKEN_ENV, type SplunkSinkConfig } from "./spec";

export { type SplunkSinkConfig, splunkSinkConfigSchema } from "./spec";

const MiB = 1024 * 1024;
export const CHANNEL_HEADER = "x-splunk-request-channel";

/** The request limits: safe defaults any HEC takes (Splunk before 6.5 refused bodies over 1 MB). */
export function splunkLimits(config: SplunkSinkConfig): SinkLimits {
  const maxBytesPerRequest = config.maxBytesPerRequest ?? MiB;
  const maxBytesPerEvent = config.maxBytesPerEvent ?? maxBytesPerRequest;
  if (maxBytesPerEvent > maxBytesPerRequest)
    throw new Error(
      `splunk.maxBytesPerEvent (${maxBytesPerEvent}) is larger than splunk.maxBytesPerRequest (${maxBytesPerRequest}): an event must fit in a request; lower it or raise maxBytesPerRequest`,
    );
  return { maxEventsPerRequest: config.maxEventsPerRequest ?? 1000, maxBytesPerRequest, maxBytesPerEvent };
}

export class SplunkHecSink implements Sink<Buffer> {
  readonly name = "splunk";
  readonly limits: SinkLimits;
  readonly needsEnvelope = false; // encodes the HEC event made at the door
  private readonly pool: HttpClient;
  private readonly url: URL;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private readonly hints: HecHints;
  private readonly acks: AckPoller | undefined;

  constructor(
    private readonly config: SplunkSinkConfig,
    token: string,
    connections: number,
  ) {
    this.url = new URL(config.hecUrl);
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(this.url.hostname);
    if (this.url.protocol === "http:" && !loopback)
      throw new Error(
        `splunk.hecUrl ${this.url.origin} is plain HTTP: use https:// (the HEC token would travel in clear; plain HTTP is only allowed to loopback)`,
      );
    this.limits = splunkLimits(config);
    const base = this.url.pathname.replace(/\/+$/, "");
    this.path = `${base}${config.path ?? HEC_EVENT_PATH}${this.url.search}`;
    const scheme = config.auth ?? "Splunk";
    const channel = config.useAck ? randomUUID() : undefined;
    this.headers = {
      authorization: `${scheme} ${token}`,
      "content-type": "application/json",
      ...(channel ? { [CHANNEL_HEADER]: channel } : {}),
    };
    this.hints = {
      auth: `check ${HEC_TOKEN_ENV} (the token must exist and be enabled${scheme === "Bearer" ? "" : "; LogScale takes splunk.auth: Bearer"})`,
      notFound: `no HTTP Event Collector at ${this.url.origin}${this.path}: check splunk.hecUrl (port 8088 by default) and splunk.path`,
      index: config.index ?? "(the token's default)",
    };
    this.pool = createClient({
      url: this.url,
      connections: connections + (channel ? 1 : 0), // one more for the ack polls
      ...(config.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    });
    if (channel) {
      this.acks = new AckPoller({
        client: this.pool,
        path: `${base}${HEC_ACK_PATH}?channel=${channel}`,
        headers: this.headers,
        pollMs: config.ackPollMs ?? 1000,
        timeoutMs: config.ackTimeoutMs ?? 25_000,
        hints: this.hints,
      });
    }
  }

  /** The event's HEC JSON, made once per event (at the door, or at read-back from the spool). */
  private json(event: SinkEvent): string {
    event.shaped ??= JSON.stringify(toHecEvent(event.env, this.config.index));
    return event.shaped as string;
  }

  unfit(event: SinkEvent): string | undefined {
    const conflict = hecConflict(event.env);
    return conflict && `splunk cannot store the event as sent: ${conflict}`;
  }

  eventBytes(event: SinkEvent): number {
    return Buffer.byteLength(this.json(event));
  }

  /** HEC's batch form: the events' JSON objects one after another. */
  encode(batch: readonly SinkEvent[]): Buffer {
    return joinJson(
      batch.map((e) => this.json(e)),
      "",
      "",
      "",
    );
  }

  async send(payload: Buffer, _batch: readonly SinkEvent[], signal: AbortSignal): Promise<SendOutcome> {
    const res = await post(this.pool, { path: this.path, headers: this.headers, body: payload, signal });
    if ("kind" in res) return res;
    const reply = parseReply(res.text);
    const success = res.statusCode >= 200 && res.statusCode < 300 && (reply?.code ?? 0) === 0;
    if (!success) return classifyHec(res.statusCode, res.headers, res.text, reply, this.hints);
    if (!this.acks) return { kind: "ok" };
    if (reply?.ackId === undefined)
      return {
        kind: "stop",
        reason: `splunk.useAck is on but HEC answered without an ackId (the token does not use indexer acknowledgement): set splunk.useAck: false or turn useACK on for the token`,
      };
    return this.acks.wait(reply.ackId, signal);
  }

  async close(): Promise<void> {
    this.acks?.close();
    await this.pool.close();
  }
}

export function createSplunkSink(config: SplunkSinkConfig, opts: SinkOptions): Sink {
  const token = opts.env[HEC_TOKEN_ENV];
  if (!token?.trim()) throw new Error(`no HEC token: export ${HEC_TOKEN_ENV}`);
  return new SplunkHecSink(config, token.trim(), opts.connections);
}
