/**
 * What a forwarder reports: its counters, the rate of the last seconds, the consumer lag per
 * partition it owns; as one progress line, a `--json` status line, and Prometheus metrics
 * (prometheus.ts reads the same object).
 */
import type { DeadLetterCounts } from "../pipeline/metrics";
import { formatDeadLetters } from "../pipeline/metrics";

export interface PartitionStatus {
  partition: number;
  /** Events between the last commit and the end of the partition. */
  lag: number;
  /** The offset committed by this forwarder (the next to read), if it committed one. */
  committed?: number;
  /** Events taken from it and not yet delivered or dead-lettered. */
  unsettled: number;
}

export interface ForwardStatus {
  source: string;
  topic: string;
  group: string;
  destination: string;
  /** Events read from the topic and admitted at the door. */
  received: number;
  /** Events the destination confirmed. */
  delivered: number;
  /** Event-attempts retried (an event retried twice counts twice). */
  retried: number;
  /** Events written to the dead-letter topic (refused at the door or by the destination). */
  deadLettered: number;
  deadLetters: DeadLetterCounts;
  /** Delivered per second over the last few seconds. */
  eventsPerSecond: number;
  /** Events taken and waiting for a batch; requests in flight. */
  queued: number;
  inFlight: number;
  /** Whether reading is paused (in-flight work full, or the destination failing). */
  paused: boolean;
  /** Consumer lag summed over the partitions this forwarder owns, and per partition. */
  lag: number;
  partitions: PartitionStatus[];
  rebalances: number;
  requests: number;
  latencyMs: { p50: number; p95: number; max: number };
  elapsedMs: number;
  /** Why it stopped early (the destination or the topic refused the forwarder), if it did. */
  halted?: string;
  lastError?: string;
}

/** Events per second over a sliding window of one-second samples. */
export class RateMeter {
  private readonly samples: { at: number; count: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  /** Records the running total now; returns the rate over the window. */
  sample(count: number, now = Date.now()): number {
    this.samples.push({ at: now, count });
    while (this.samples.length > 2 && now - (this.samples[1] as { at: number }).at >= this.windowMs)
      this.samples.shift();
    return this.rate;
  }

  get rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at === first.at) return 0;
    return ((last.count - first.count) * 1000) / (last.at - first.at);
  }
}

/** One line: `forward kafka:topic -> http: delivered 1200 (400 ev/s), retried 3, dead-lettered 0, lag 17 (p0 5, p3 12)`. */
export function formatStatus(s: ForwardStatus): string {
  const lagged = s.partitions.filter((p) => p.lag > 0);
  const parts = [
    `forward ${s.source}:${s.topic} -> ${s.destination}: delivered ${s.delivered} (${Math.round(s.eventsPerSecond)} ev/s)`,
    `retried ${s.retried}`,
    s.deadLettered > 0
      ? `dead-lettered ${s.deadLettered} (${formatDeadLetters(s.deadLetters)})`
      : "dead-lettered 0",
    `lag ${s.lag}${lagged.length > 0 ? ` (${lagged.map((p) => `p${p.partition} ${p.lag}`).join(", ")})` : ""}`,
    `partitions ${s.partitions.map((p) => p.partition).join(",") || "none"}`,
    `in flight ${s.inFlight}${s.paused ? ", paused" : ""}`,
  ];
  const tail = [
    s.halted ? `halted: ${s.halted}` : "",
    !s.halted && s.lastError ? `last error: ${s.lastError}` : "",
  ];
  return [parts.join(", "), ...tail.filter(Boolean)].join("; ");
}
