/**
 * The retrying sender: delivers one batch until every event in it is settled: sent, dead
 * (the destination condemned the events, with the reason) or parked (retry budget spent, the
 * destination refused the sender (`stop`), run halted or aborted: it stays in the spool for a
 * later run). Outcomes drive it: full-jitter backoff, the destination's
 * Retry-After (on retryable and partial answers), an elapsed-time budget, halves on too-large.
 * A batch is encoded once and the payload reused on every retry; only a changed batch is
 * encoded again (the halves after too-large, the retryable rest after partial).
 */
import type { DeadLetterCause } from "./dead-letter";
import type { Metrics } from "./metrics";
import { DEFAULT_RETRY, nextDelayMs, type RetryPolicy } from "./retry";
import type { SendOutcome, Sink, SinkEvent } from "./sink";

/** How a batch ended. Every event of the batch is in exactly one of sent, dead, parked. */
export interface Settlement<E> {
  /** Confirmed by the destination. */
  sent: E[];
  /** Condemned by the destination: to the dead-letter file. */
  dead: { event: E; reason: string; cause: DeadLetterCause }[];
  /** Not settled in this run: they stay in the spool. */
  parked: E[];
  /** The destination refused the sender (credential, missing resource): the run must stop, why. */
  stop?: string;
}

/**
 * The run a sender works for: aborted through `signal`; `stopped` once halted or aborted, when
 * `stopSignal` aborts too (it ends retry sleeps).
 */
export interface Run {
  readonly signal: AbortSignal;
  readonly stopSignal: AbortSignal;
  readonly stopped: boolean;
}

export interface SenderOptions {
  /** Backoff and budget, over DEFAULT_RETRY. */
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
  /** Randomness for jitter. */
  random?: () => number;
}

/** Waits ms, or less if the signal aborts; never leaves a listener behind on the shared signal. */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // Without removing the listener, every retry during a long outage added one for good.
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** Marks a payload not made yet (an encoder may return anything, undefined included). */
const NOT_ENCODED: unique symbol = Symbol("not encoded");

export class RetryingSender<E extends SinkEvent> {
  /** Batches waiting out a backoff before their next attempt (the destination is failing). */
  backingOff = 0;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly random: () => number;

  constructor(
    private readonly sink: Sink,
    private readonly run: Run,
    private readonly metrics: Metrics,
    opts: SenderOptions = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.random = opts.random ?? Math.random;
  }

  /**
   * Sends a batch until each of its events is settled; resolves with what `settled` was not
   * already handed. With `settled`, events are handed over as soon as they are settled (the
   * accepted part of a partial answer, the first half after a too-large one), so they leave the
   * spool without waiting for the rest's retries. Rejects only if the sink throws in encode.
   */
  async send(batch: readonly E[], settled?: (s: Settlement<E>) => void): Promise<Settlement<E>> {
    const settlement: Settlement<E> = { sent: [], dead: [], parked: [] };
    await this.deliver(batch, Date.now(), settlement, settled);
    return settlement;
  }

  /** Hands what is settled so far to `settled`, if the caller asked for it. */
  private handOver(s: Settlement<E>, settled?: (s: Settlement<E>) => void): void {
    if (!settled || (s.sent.length === 0 && s.dead.length === 0)) return;
    settled({
      sent: s.sent.splice(0),
      dead: s.dead.splice(0),
      parked: [],
      ...(s.stop ? { stop: s.stop } : {}),
    });
  }

  /** Sends `batch` (encoded at its first attempt) with retries; the budget runs from firstTry. */
  private async deliver(
    batch: readonly E[],
    firstTry: number,
    s: Settlement<E>,
    settled?: (s: Settlement<E>) => void,
  ): Promise<void> {
    await this.attempts(batch, firstTry, s, settled);
    this.handOver(s, settled);
  }

  private async attempts(
    batch: readonly E[],
    firstTry: number,
    s: Settlement<E>,
    settled?: (s: Settlement<E>) => void,
  ): Promise<void> {
    const name = this.sink.name;
    let pending = batch;
    let payload: unknown = NOT_ENCODED;
    for (let attempt = 0; ; attempt++) {
      if (this.run.stopped || s.stop !== undefined) return add(s.parked, pending);
      if (payload === NOT_ENCODED) payload = this.sink.encode(pending);
      const outcome = await this.request(payload, pending);
      // A payload that failed to encode (a rejected promise, e.g. compression) is made again.
      if (outcome.kind === "retryable" && (await failedPayload(payload))) payload = NOT_ENCODED;
      switch (outcome.kind) {
        case "ok":
          return add(s.sent, pending);
        case "partial": {
          const rejected = new Map(outcome.rejected.map((r) => [r.index, r]));
          const again: E[] = [];
          for (let i = 0; i < pending.length; i++) {
            const event = pending[i] as E;
            const r = rejected.get(i);
            if (r === undefined) s.sent.push(event);
            else if (r.retryable) again.push(event);
            else
              s.dead.push({
                event,
                reason: `rejected by ${name}: ${r.reason}`,
                cause: "rejectedByDestination",
              });
          }
          if (again.length === 0) return;
          this.handOver(s, settled);
          pending = again;
          payload = NOT_ENCODED; // the rest is a new batch
          this.metrics.lastError = `${again.length} events rejected by ${name} as retryable`;
          break; // retry the retryable rejects with backoff below
        }
        case "too-large": {
          if (pending.length === 1) {
            s.dead.push({
              event: pending[0] as E,
              reason: `too large for ${name}: ${outcome.reason}`,
              cause: "tooLarge",
            });
            return;
          }
          const half = Math.ceil(pending.length / 2);
          await this.deliver(pending.slice(0, half), firstTry, s, settled);
          await this.deliver(pending.slice(half), firstTry, s, settled);
          return;
        }
        case "permanent":
          for (const event of pending)
            s.dead.push({
              event,
              reason: `rejected by ${name}: ${outcome.reason}`,
              cause: "rejectedByDestination",
            });
          return;
        case "stop":
          // Nothing wrong with the events: they stay in the spool, and the run stops.
          s.stop = outcome.reason;
          return add(s.parked, pending);
        case "retryable":
          this.metrics.lastError = outcome.reason;
          break;
      }
      const retryAfter =
        outcome.kind === "retryable" || outcome.kind === "partial" ? outcome.retryAfterMs : undefined;
      const delay = nextDelayMs(attempt, this.retry, retryAfter, this.random);
      if (Date.now() + delay - firstTry > this.retry.maxElapsedMs) return add(s.parked, pending); // budget spent
      this.metrics.counts.retried += pending.length;
      this.backingOff++;
      try {
        await sleep(delay, this.run.stopSignal);
      } finally {
        this.backingOff--;
      }
    }
  }

  /** One request, bounded by the run's abort and the per-request timeout; counted and timed. */
  private async request(payload: unknown, events: readonly E[]): Promise<SendOutcome> {
    const t0 = performance.now();
    const outcome = await this.sink
      .send(payload, events, AbortSignal.any([this.run.signal, AbortSignal.timeout(this.requestTimeoutMs)]))
      .catch((err: Error): SendOutcome => ({ kind: "retryable", reason: `request failed: ${err.message}` }));
    this.metrics.request(performance.now() - t0);
    return outcome;
  }
}

/** Whether a payload is a promise that rejected (checked only after a failed request). */
async function failedPayload(payload: unknown): Promise<boolean> {
  if (typeof (payload as PromiseLike<unknown> | undefined)?.then !== "function") return false;
  return (payload as Promise<unknown>).then(
    () => false,
    () => true,
  );
}

function add<E>(to: E[], events: readonly E[]): void {
  for (const e of events) to.push(e);
}
