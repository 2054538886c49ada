/** Delivery counters, printed at the end of a run and available as JSON. */

export interface Summary {
  destination: string;
  /** Events persisted in the spool by this run. */
  accepted: number;
  /** Events the destination confirmed. */
  sent: number;
  /** Event-attempts that were retried (an event retried twice counts twice). */
  retried: number;
  /** Events the destination rejected for good (in the dead-letter file). */
  deadLettered: number;
  /** Input lines rejected at the door (malformed JSON or envelope; in the dead-letter file). */
  malformed: number;
  /** Events still in the spool at the end (retry budget spent, run halted or interrupted). */
  inSpool: number;
  spoolBytes: number;
  /** Bytes of the events sent, as the sink counts them. */
  bytesSent: number;
  requests: number;
  latencyMs: { p50: number; p95: number; max: number };
  elapsedMs: number;
  eventsPerSecond: number;
  /** Why the run stopped early (auth failure, missing resource), if it did. */
  halted?: string;
  /** Last retryable error seen, to explain retries and leftovers. */
  lastError?: string;
  deadLetterFile: string;
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

export function formatSummary(s: Summary): string {
  const mb = (b: number) => `${(b / 1_048_576).toFixed(1)} MiB`;
  const parts = [
    `send to ${s.destination}: accepted ${s.accepted}, sent ${s.sent}`,
    `retried ${s.retried}`,
    `dead-lettered ${s.deadLettered + s.malformed} (malformed ${s.malformed})`,
    `in spool ${s.inSpool}`,
    `${mb(s.bytesSent)} in ${s.requests} requests`,
    `p50 ${s.latencyMs.p50} ms p95 ${s.latencyMs.p95} ms`,
    `${Math.round(s.eventsPerSecond)} ev/s in ${(s.elapsedMs / 1000).toFixed(1)} s`,
  ];
  const tail = [
    s.halted ? `halted: ${s.halted}` : "",
    s.deadLettered + s.malformed > 0 ? `dead letters: ${s.deadLetterFile}` : "",
    s.inSpool > 0 && !s.halted && s.lastError ? `last error: ${s.lastError}` : "",
  ].filter(Boolean);
  return [parts.join(", "), ...tail].join("\n");
}
