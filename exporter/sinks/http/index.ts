/**
 * Generic HTTP destination: NDJSON envelopes POSTed to one URL with a bearer token. Useful for
 * any collector or webhook that takes newline-delimited JSON, and the reference sink the
 * pipeline tests run against. The token comes from KEYTOS_HTTP_TOKEN or the config file.
 */

import { joinJson } from "../../pipeline/encode";
import { classifyStatus, createClient, type HttpClient, post } from "../../pipeline/http";
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../../pipeline/sink";
import type { HttpSinkConfig } from "./spec";

export { type HttpSinkConfig, httpSinkConfigSchema } from "./spec";

export class HttpSink implements Sink<Buffer> {
  readonly name = "http";
  readonly limits: SinkLimits;
  readonly needsEnvelope = false; // sends the spooled JSON as is
  private readonly pool: HttpClient;
  private readonly url: URL;
  private readonly token: string | undefined;

  constructor(config: HttpSinkConfig, opts: { connections: number; env?: NodeJS.ProcessEnv }) {
    this.url = new URL(config.url);
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(this.url.hostname);
    if (this.url.protocol === "http:" && !loopback) {
      throw new Error(
        `http.url ${this.url.origin} is plain HTTP: use https:// (plain HTTP is only allowed to loopback)`,
      );
    }
    this.token = (opts.env ?? process.env).KEYTOS_HTTP_TOKEN ?? config.token;
    this.limits = {
      maxEventsPerRequest: config.maxEventsPerRequest ?? 1000,
      maxBytesPerRequest: config.maxBytesPerRequest ?? 1024 * 1024,
      maxBytesPerEvent: config.maxBytesPerEvent ?? 256 * 1024,
    };
    this.pool = createClient({
      url: this.url,
      connections: opts.connections,
      ...(config.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    });
  }

  /** One NDJSON line per event: the canonical JSON and a newline. */
  eventBytes(event: SinkEvent): number {
    return Buffer.byteLength(event.json) + 1;
  }

  encode(batch: readonly SinkEvent[]): Buffer {
    return joinJson(
      batch.map((e) => e.json),
      "",
      "\n",
      "\n",
    );
  }

  async send(payload: Buffer, _batch: readonly SinkEvent[], signal: AbortSignal): Promise<SendOutcome> {
    const headers: Record<string, string> = { "content-type": "application/x-ndjson" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await post(this.pool, {
      path: this.url.pathname + this.url.search,
      headers,
      body: payload,
      signal,
    });
    if ("kind" in res) return res;
    return classifyStatus(res.statusCode, res.headers, res.text, {
      auth: this.token ? "check the bearer token" : "no token set: export KEYTOS_HTTP_TOKEN",
      notFound: `nothing takes events at ${this.url.origin}${this.url.pathname}: check http.url (KEYTOS_HTTP_URL)`,
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
