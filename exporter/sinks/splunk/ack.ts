/**
 * Indexer acknowledgement: HEC answers an accepted request with an ackId on the sender's channel,
 * and the events count as delivered only once POST /services/collector/ack says that id is
 * indexed. Every pending id is asked for in one request per poll. An id not confirmed within the
 * timeout (an indexer lost the events, or the ack itself was lost) makes its batch retryable: it
 * is sent again, never counted as delivered. A refused ack request (token revoked, ack disabled)
 * stops the run with the batches kept in the spool.
 */
import { type HttpClient, post } from "../../pipeline/http";
import type { SendOutcome } from "../../pipeline/sink";
import { classifyHec, type HecHints, parseReply } from "./reply";

interface Pending {
  settle(outcome: SendOutcome): void;
}

export interface AckOptions {
  client: HttpClient;
  /** Path and query of the ack endpoint, channel included. */
  path: string;
  /** Authorization and channel headers. */
  headers: Record<string, string>;
  pollMs: number;
  timeoutMs: number;
  hints: HecHints;
}

export class AckPoller {
  private readonly pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly o: AckOptions) {}

  /** Resolves ok once `ackId` is confirmed; retryable on timeout or abort; stop if HEC refuses. */
  wait(ackId: number, signal: AbortSignal): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve) => {
      const done = (outcome: SendOutcome) => {
        if (this.pending.get(ackId) !== entry) return;
        this.pending.delete(ackId);
        clearTimeout(timeout);
        signal.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      const entry: Pending = { settle: done };
      const lost = (why: string) =>
        done({ kind: "retryable", reason: `ackId ${ackId} not confirmed ${why}: sending the batch again` });
      const onAbort = () => lost("before the request ended");
      const timeout = setTimeout(() => lost(`within ${this.o.timeoutMs} ms`), this.o.timeoutMs);
      this.pending.set(ackId, entry);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.schedule();
    });
  }

  close(): void {
    clearTimeout(this.timer);
    for (const [id, p] of this.pending)
      p.settle({ kind: "retryable", reason: `ackId ${id} not confirmed before the sink closed` });
  }

  private schedule(): void {
    if (this.timer || this.polling || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().finally(() => {
        this.polling = false;
        this.schedule();
      });
    }, this.o.pollMs);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    const ids = [...this.pending.keys()];
    const res = await post(this.o.client, {
      path: this.o.path,
      headers: { ...this.o.headers, "content-type": "application/json" },
      body: JSON.stringify({ acks: ids }),
      signal: AbortSignal.timeout(Math.max(this.o.pollMs * 10, 5000)),
    });
    if ("kind" in res) return; // unreachable for now: ask again next poll, until each id's timeout
    const text = res.text;
    if (res.statusCode === 200) {
      const acks = ackStatus(text);
      for (const id of ids) if (acks[String(id)] === true) this.pending.get(id)?.settle({ kind: "ok" });
      return;
    }
    const outcome = classifyHec(res.statusCode, res.headers, text, parseReply(text), this.o.hints);
    // Busy or failing: ask again later. Refused: every batch waiting here stops the run.
    if (outcome.kind === "retryable") return;
    const reason = `acknowledgement request refused: ${"reason" in outcome ? outcome.reason : res.statusCode}`;
    for (const p of [...this.pending.values()]) p.settle({ kind: "stop", reason });
  }
}

/** `{"acks":{"0":true,"1":false}}` as a map; anything else confirms nothing. */
function ackStatus(text: string): Record<string, unknown> {
  try {
    const acks = (JSON.parse(text) as { acks?: unknown }).acks;
    return typeof acks === "object" && acks !== null ? (acks as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
