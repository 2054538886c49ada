/**
 * A local NDJSON intake that enforces a real contract and fails on script: it requires
 * `Authorization: Bearer <token>` (401), `Content-Type: application/x-ndjson` (415), a body
 * under `maxBodyBytes` (413), a RecordId in every line (400), and answers 200 `{}` otherwise.
 * Scripted faults are consumed one per request: any status (with Retry-After and body),
 * connection resets, slow responses. Every event received is counted (and kept) by RecordId.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer } from "./loopback-server";

export interface Fault {
  status?: number;
  retryAfter?: string;
  body?: string;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** Answer (normally, or with the fault's status) after this delay. */
  delayMs?: number;
}

export interface RequestLog {
  at: number;
  status: number | "reset";
  bytes: number;
  events: number;
}

export class FaultServer extends LoopbackServer {
  readonly token: string;
  maxBodyBytes: number;
  /** Delay applied to every normal answer (slow destination). */
  delayMs = 0;
  /** RecordId -> times received. */
  readonly received = new Map<string, number>();
  /** RecordId -> the event as last received. */
  readonly events = new Map<string, Record<string, unknown>>();
  readonly requests: RequestLog[] = [];
  private faults: Fault[] = [];

  constructor(opts: { token?: string; maxBodyBytes?: number } = {}) {
    super();
    this.token = opts.token ?? "test-token-7f3a";
    this.maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024;
  }

  get url(): string {
    return `${this.origin}/ingest`;
  }

  /** Events received at least once. */
  get unique(): number {
    return this.received.size;
  }

  get duplicates(): number {
    let n = 0;
    for (const c of this.received.values()) n += c - 1;
    return n;
  }

  /** Queues faults; each is used by one request, in order. */
  script(...faults: Fault[]): this {
    this.faults.push(...faults);
    return this;
  }

  /** Drops faults not yet used. */
  clearFaults(): void {
    this.faults = [];
  }

  protected async handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const fault = this.faults.shift();
    const log = (status: RequestLog["status"], events = 0) =>
      this.requests.push({ at: Date.now(), status, bytes: body.length, events });
    const delay = fault?.delayMs ?? this.delayMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (fault?.reset) {
      log("reset");
      req.socket.destroy();
      return;
    }
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      log(status);
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(text);
    };
    if (fault?.status) {
      return answer(fault.status, fault.body ?? JSON.stringify({ error: `scripted ${fault.status}` }), {
        ...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}),
      });
    }
    if (req.method !== "POST") return answer(405, '{"error":"POST only"}');
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return answer(401, '{"error":"invalid or missing bearer token"}');
    if (req.headers["content-type"] !== "application/x-ndjson")
      return answer(415, '{"error":"expected application/x-ndjson"}');
    if (body.length > this.maxBodyBytes) {
      return answer(
        413,
        JSON.stringify({ error: `body of ${body.length} bytes exceeds ${this.maxBodyBytes}` }),
      );
    }
    const events: [string, Record<string, unknown>][] = [];
    for (const line of body.toString("utf8").split("\n")) {
      if (!line) continue;
      const event = JSON.parse(line) as { event?: { RecordId?: string } };
      const id = event.event?.RecordId;
      if (!id) return answer(400, '{"error":"line without event.RecordId"}');
      events.push([id, event]);
    }
    for (const [id, event] of events) {
      this.received.set(id, (this.received.get(id) ?? 0) + 1);
      this.events.set(id, event);
    }
    log(200, events.length);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  }
}
