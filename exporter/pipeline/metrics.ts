/**
 * Delivery metrics: the counters, a latency reservoir, and the summary printed at the end of a
 * run (also available as JSON). The parts count into one Metrics; nothing here reads them back.
 */
import { DEAD_LETTER_CAUSES, type DeadLetterCause } from "./dead-letter";

/** Lines set aside in a run, per cause. */
export type DeadLetterCounts = Record<DeadLetterCause, number>;

export interface Summary {
  destination: string;
  /** Events persisted in the spool by this run. */
  accepted: number;
  /** Events the destination confirmed. */
  sent: number;
  /** Event-attempts that were retried (an event retried twice counts twice). */
  retried: number;
  /** Lines set aside in the dead-letter file by this run: refused at the door or by the destination. */
  deadLettered: number;
  /** The same lines, per cause (malformed JSON, invalid envelope, too large, too old...). */
  deadLetters: DeadLetterCounts;
  /** Events still in the spool at the end (retry budget spent, run halted or interrupted). */
  inSpool: number;
  spoolBytes: number;
  /** Bytes of the events sent, as the sink counts them. */
  bytesSent: number;
  requests: number;
  latencyMs: { p50: number; p95: number; max: number };
  elapsedMs: number;
  eventsPerSecond: number;
  /** Why the run stopped early (a refused credential, a missing resource), if it did. */
  halted?: string;
  /** Last retryable error seen, to explain retries and leftovers. */
  lastError?: string;
  deadLetterFile: string;
}

/** The counters of a run, in the order the summary lists them. */
export interface Counts {
  accepted: number;
  sent: number;
  retried: number;
  bytesSent: number;
  requests: number;
}

/** Fixed-size reservoir of request latencies (bounded memory on long runs). */
export class LatencyReservoir {
  private readonly samples = new Float64Array(4096);
  private seen = 0;
  private maxSeen = 0;

  add(ms: number): void {
    this.maxSeen = Math.max(this.maxSeen, ms);
    if (this.seen < this.samples.length) this.samples[this.seen] = ms;
    else {
      const slot = Math.floor(Math.random() * (this.seen + 1));
      if (slot < this.samples.length) this.samples[slot] = ms;
    }
    this.seen++;
  }

  snapshot(): { p50: number; p95: number; max: number } {
    const n = Math.min(this.seen, this.samples.length);
    if (n === 0) return { p50: 0, p95: 0, max: 0 };
    const sorted = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.min(n - 1, Math.floor(q * n))] as number);
    return { p50: at(0.5), p95: at(0.95), max: Math.round(this.maxSeen) };
  }
}

export class Metrics {
  readonly counts: Counts = {
    accepted: 0,
    sent: 0,
    retried: 0,
    bytesSent: 0,
    requests: 0,
  };
  readonly deadLetters: DeadLetterCounts = Object.fromEntries(
    Object.keys(DEAD_LETTER_CAUSES).map((cause) => [cause, 0]),
  ) as DeadLetterCounts;
  /** Last retryable (or internal) error seen. */
  lastError: string | undefined;
  private readonly latency = new LatencyReservoir();
  private readonly started = Date.now();

  constructor(
    private readonly destination: string,
    private readonly deadLetterFile: string,
  ) {}

  /** One request answered (or failed) after ms. */
  request(ms: number): void {
    this.latency.add(ms);
    this.counts.requests++;
  }

  /** Events the destination confirmed, sized as the sink counts them. */
  sent(events: readonly { bytes: number }[]): void {
    this.counts.sent += events.length;
    for (const e of events) this.counts.bytesSent += e.bytes;
  }

  /** Lines set aside for `cause`. */
  deadLettered(cause: DeadLetterCause, n = 1): void {
    this.deadLetters[cause] += n;
  }

  /** The summary, given what the spool holds now and why the run halted, if it did. */
  summary(spool: { count: number; bytes: number }, halted: string | undefined): Summary {
    const elapsedMs = Date.now() - this.started;
    const { accepted, sent, retried, bytesSent, requests } = this.counts;
    return {
      destination: this.destination,
      accepted,
      sent,
      retried,
      deadLettered: Object.values(this.deadLetters).reduce((a, b) => a + b, 0),
      deadLetters: { ...this.deadLetters },
      bytesSent,
      requests,
      inSpool: spool.count,
      spoolBytes: spool.bytes,
      latencyMs: this.latency.snapshot(),
      elapsedMs,
      eventsPerSecond: elapsedMs > 0 ? (this.counts.sent * 1000) / elapsedMs : 0,
      ...(halted ? { halted } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      deadLetterFile: this.deadLetterFile,
    };
  }
}

/** "malformed JSON 2, too old 1": the causes that set lines aside, with their counts. */
export function formatDeadLetters(counts: DeadLetterCounts): string {
  return (Object.entries(counts) as [DeadLetterCause, number][])
    .filter(([, n]) => n > 0)
    .map(([cause, n]) => `${DEAD_LETTER_CAUSES[cause]} ${n}`)
    .join(", ");
}

export function formatSummary(s: Summary): string {
  const mb = (b: number) => `${(b / 1_048_576).toFixed(1)} MiB`;
  const parts = [
    `send to ${s.destination}: accepted ${s.accepted}, sent ${s.sent}`,
    `retried ${s.retried}`,
    s.deadLettered > 0
      ? `dead-lettered ${s.deadLettered} (${formatDeadLetters(s.deadLetters)})`
      : "dead-lettered 0",
    `in spool ${s.inSpool}`,
    `${mb(s.bytesSent)} in ${s.requests} requests`,
    `p50 ${s.latencyMs.p50} ms p95 ${s.latencyMs.p95} ms`,
    `${Math.round(s.eventsPerSecond)} ev/s in ${(s.elapsedMs / 1000).toFixed(1)} s`,
  ];
  const tail = [
    s.halted ? `halted: ${s.halted}` : "",
    s.deadLettered > 0 ? `dead letters: ${s.deadLetterFile}` : "",
    s.inSpool > 0 && !s.halted && s.lastError ? `last error: ${s.lastError}` : "",
  ].filter(Boolean);
  return [parts.join(", "), ...tail].join("\n");
}
