/**
 * A local HTTP Event Collector enforcing HEC's documented contract (../shared/reference/
 * sigma-and-splunk.md, part 2). Not a real Splunk: a contract test double.
 * - Paths: /services/collector, /services/collector/event(/1.0) and Cribl's base take
 *   `Authorization: Splunk <token>` or basic `x:<token>`; LogScale's /api/v1/ingest/hec takes
 *   `Bearer <token>`. Missing: 401 code 2; another scheme: 401 code 3; unknown token: 403 code 4;
 *   disabled: 403 code 1; `?token=`: 400 code 16.
 * - Body: JSON objects one after another. Empty: 400 code 5; not JSON, or `time` not a number:
 *   code 6; `event` missing: 12, blank: 13; `fields` not flat: 15; `index` not allowed for the
 *   token: 7 (each with invalid-event-number). A refused request indexes nothing.
 * - Acknowledgement (a token with useAck): a GUID channel (header X-Splunk-Request-Channel or
 *   `?channel=`) on every request, else 400 code 10 (11 if not a GUID); ackIds count per channel
 *   from 0; POST /services/collector/ack `{"acks":[ids]}` answers `{"acks":{"0":true}}` once
 *   indexed, and forgets a confirmed id. A token without it answers the ack endpoint 400 code 14.
 * - GET /services/collector/health: 200 code 17, or 503 code 18 during a busy storm.
 * Faults for the fault suite: busy storms (503 code 9), scripted answers, token revocation,
 * lost acknowledgements (events accepted, never indexed, never confirmed), resets.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { IndexedEvent } from "../../components/splunk/spl";
import { LoopbackServer } from "./loopback-server";
import { flat, isBlank, STATUS, splitObjects, TEXT } from "./splunk-hec-body";

/** An event as indexed: what the REST contract server's search export reads (components/splunk/spl.ts). */
export type { IndexedEvent };

export interface HecFault {
  status?: number;
  code?: number;
  text?: string;
  retryAfter?: string;
  reset?: boolean;
}

export interface HecRequestLog {
  path: string;
  status: number | "reset";
  code?: number;
  events: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_PATHS = new Set([
  "/services/collector",
  "/services/collector/event",
  "/services/collector/event/1.0",
]);
const LOGSCALE_PATH = "/api/v1/ingest/hec";

class Refusal {
  constructor(
    readonly code: number,
    readonly invalidEvent?: number,
  ) {}
}

export interface HecServerOptions {
  /** Indexes the token may write; the first is its default. Default ["keytos"]. */
  indexes?: string[];
  useAck?: boolean;
  /** Largest body (limits.conf max_content_length); larger: 413. */
  maxContentLength?: number;
}

export class SplunkHecServer extends LoopbackServer {
  readonly token = randomUUID();
  readonly indexes: string[];
  readonly useAck: boolean;
  maxContentLength: number;
  /** The token answers 403 code 4 (revoked) or code 1 (disabled) while set. */
  tokenState: "valid" | "revoked" | "disabled" = "valid";
  /** Acknowledgements become true this long after indexing. */
  ackDelayMs = 0;
  readonly indexed: IndexedEvent[] = [];
  readonly requests: HecRequestLog[] = [];
  private faults: HecFault[] = [];
  private lose = 0;
  private revokeIn: number | undefined;
  private readonly channels = new Map<string, { next: number; acks: Map<number, number> }>();

  constructor(opts: HecServerOptions = {}) {
    super();
    this.indexes = opts.indexes ?? ["keytos"];
    this.useAck = opts.useAck ?? false;
    this.maxContentLength = opts.maxContentLength ?? 838_860_800;
  }

  /** Base URL: the sender's hecUrl. */
  get url(): string {
    return this.origin;
  }

  /** Distinct RecordIds indexed, and how often each was. */
  get received(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const e of this.indexed) {
      const id = String(e.event.RecordId);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** Answers the next requests with these faults, one each. */
  script(...faults: HecFault[]): this {
    this.faults.push(...faults);
    return this;
  }

  /** The next n requests get 503 code 9 "Server is busy" (with Retry-After if given). */
  busyStorm(n: number, retryAfter?: string): this {
    return this.script(
      ...Array.from({ length: n }, () => ({ code: 9, ...(retryAfter ? { retryAfter } : {}) })),
    );
  }

  /** The next n accepted requests are acknowledged never and indexed never (an indexer lost them). */
  loseAcks(n: number): this {
    this.lose += n;
    return this;
  }

  /** Revokes the token once n more requests with events are accepted (mid-run revocation). */
  revokeAfter(n: number): this {
    this.revokeIn = n;
    return this;
  }

  /** Counts an accepted request toward a pending revocation. */
  private accepted(): void {
    if (this.revokeIn !== undefined && --this.revokeIn <= 0) {
      this.tokenState = "revoked";
      this.revokeIn = undefined;
    }
  }

  protected handle(req: IncomingMessage, body: Buffer, res: ServerResponse): unknown {
    const url = new URL(req.url ?? "/", "http://hec");
    const path = url.pathname.replace(/\/+$/, "");
    const answer = (code: number, extra: Record<string, unknown> = {}, events = 0) => {
      const status = STATUS[code] ?? (code === 0 || code === 17 ? 200 : 400);
      this.requests.push({ path, status, code, events });
      res
        .writeHead(status, { "content-type": "application/json" })
        .end(JSON.stringify({ text: TEXT[code], code, ...extra }));
    };
    if (path === "/services/collector/health") return answer(this.faults[0]?.code === 9 ? 18 : 17);
    const logscale = path === LOGSCALE_PATH;
    const ack = path === "/services/collector/ack";
    if (!logscale && !ack && !EVENT_PATHS.has(path)) {
      this.requests.push({ path, status: 404, events: 0 });
      return void res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
    }
    if (req.method !== "POST") {
      this.requests.push({ path, status: 405, events: 0 });
      return void res.writeHead(405).end();
    }
    const fault = this.faults.shift();
    if (fault?.reset) {
      this.requests.push({ path, status: "reset", events: 0 });
      return void req.socket.destroy();
    }
    if (fault) {
      const code = fault.code ?? 8;
      const status = fault.status ?? STATUS[code] ?? 400;
      this.requests.push({ path, status, code, events: 0 });
      return void res
        .writeHead(status, {
          "content-type": "application/json",
          ...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}),
        })
        .end(JSON.stringify({ text: fault.text ?? TEXT[code], code }));
    }
    const refused = this.authorize(req, url, logscale);
    if (refused !== undefined) return answer(refused);
    const channel = req.headers["x-splunk-request-channel"]?.toString() ?? url.searchParams.get("channel");
    if (ack) {
      const status = this.acknowledge(channel, body);
      if (typeof status === "number") return answer(status);
      this.requests.push({ path, status: 200, events: 0 });
      return void res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ acks: status }));
    }
    if (this.useAck) {
      if (!channel) return answer(10);
      if (!GUID.test(channel)) return answer(11);
    }
    if (body.length > this.maxContentLength) {
      this.requests.push({ path, status: 413, events: 0 });
      return void res.writeHead(413, { "content-type": "text/plain" }).end("Content too large");
    }
    let events: IndexedEvent[];
    try {
      events = this.validate(body);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      return answer(
        err.code,
        err.invalidEvent !== undefined ? { "invalid-event-number": err.invalidEvent } : {},
      );
    }
    this.accepted();
    if (!this.useAck || !channel) {
      this.indexed.push(...events);
      return answer(0, {}, events.length);
    }
    const state = this.channels.get(channel) ?? { next: 0, acks: new Map<number, number>() };
    this.channels.set(channel, state);
    const ackId = state.next++;
    if (this.lose > 0) {
      this.lose--; // accepted, then lost before indexing: never confirmed
      return answer(0, { ackId }, 0);
    }
    this.indexed.push(...events);
    state.acks.set(ackId, Date.now() + this.ackDelayMs);
    return answer(0, { ackId }, events.length);
  }

  /** The refusal code for the request's credential, or undefined when it is the token's. */
  private authorize(req: IncomingMessage, url: URL, logscale: boolean): number | undefined {
    const header = req.headers.authorization;
    if (!header) return url.searchParams.has("token") ? 16 : 2;
    const [scheme, value = ""] = header.split(" ", 2);
    let token: string | undefined;
    if (logscale ? scheme === "Bearer" : scheme === "Splunk") token = value;
    else if (!logscale && scheme === "Basic")
      token = Buffer.from(value, "base64").toString("utf8").split(":")[1];
    if (token === undefined) return 3;
    if (token !== this.token || this.tokenState === "revoked") return 4;
    if (this.tokenState === "disabled") return 1;
    return undefined;
  }

  /** The ack reply for `{"acks":[ids]}` on a channel, or the refusal code. */
  private acknowledge(channel: string | null | undefined, body: Buffer): Record<string, boolean> | number {
    if (!this.useAck) return 14;
    if (!channel) return 10;
    if (!GUID.test(channel)) return 11;
    let ids: unknown;
    try {
      ids = (JSON.parse(body.toString("utf8")) as { acks?: unknown }).acks;
    } catch {
      return 6;
    }
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) return 6;
    const acks = this.channels.get(channel)?.acks ?? new Map<number, number>();
    const now = Date.now();
    const status: Record<string, boolean> = {};
    for (const id of ids as number[]) {
      const ready = acks.get(id);
      status[id] = ready !== undefined && ready <= now;
      if (status[id]) acks.delete(id); // a confirmed id is forgotten
    }
    return status;
  }

  /** The body's events as they would be indexed; throws a Refusal naming the first bad one. */
  private validate(body: Buffer): IndexedEvent[] {
    const objects = splitObjects(body.toString("utf8"));
    if (objects.length === 0) throw new Refusal(5);
    return objects.map((text, i) => {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new Refusal(6, i);
      }
      if (typeof e !== "object" || e === null || Array.isArray(e)) throw new Refusal(6, i);
      if (e.time !== undefined && (typeof e.time !== "number" || !Number.isFinite(e.time)))
        throw new Refusal(6, i);
      for (const key of ["host", "source", "sourcetype", "index"])
        if (e[key] !== undefined && typeof e[key] !== "string") throw new Refusal(6, i);
      if (e.event === undefined || e.event === null) throw new Refusal(12, i);
      if (isBlank(e.event)) throw new Refusal(13, i);
      if (e.fields !== undefined && !flat(e.fields)) throw new Refusal(15, i);
      const index = (e.index as string | undefined) ?? (this.indexes[0] as string);
      if (!this.indexes.includes(index)) throw new Refusal(7, i);
      return {
        index,
        sourcetype: (e.sourcetype as string | undefined) ?? "httpevent",
        ...(typeof e.source === "string" ? { source: e.source } : {}),
        ...(typeof e.host === "string" ? { host: e.host } : {}),
        time: (e.time as number | undefined) ?? Date.now() / 1000,
        // A text event is kept as Splunk keeps it: its raw text.
        event: typeof e.event === "object" ? (e.event as Record<string, unknown>) : { _raw: e.event },
      };
    });
  }
}
