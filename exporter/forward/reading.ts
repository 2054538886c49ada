/**
 * When the forwarder reads: the whole topic pauses while the events held are at their bound or
 * every request waits out a failing destination, and resumes once half of them are gone; and a
 * partition whose commit point lags far behind what it sent (one batch stuck in retries while the
 * next ones go through) is held, so that a rebalance or a kill re-sends at most that span of it.
 */
import type { Consumer } from "kafkajs";

/** What the decision reads, each time it is made. */
export interface ReadingState {
  /** The events held are at their bound. */
  full: boolean;
  /** Half of the bound is free again. */
  low: boolean;
  /** Every request is backing off from a failing destination. */
  failing: boolean;
  /** Stopping: reading never resumes. */
  stopping: boolean;
  /** Partitions with at least n events taken and not settled. */
  spanning(n: number): number[];
  /** Events taken from the partition and not settled. */
  unsettledOf(partition: number): number;
}

export class ReadingGate {
  /** The whole topic is paused. */
  paused = false;
  /** Partitions paused for the span between their commit point and what they sent. */
  private readonly held = new Set<number>();

  constructor(
    private readonly consumer: Pick<Consumer, "pause" | "resume">,
    private readonly topic: string,
    /** Events a partition may have unsettled before it is held (released at half). */
    private readonly maxSpan: number,
  ) {}

  /** Pauses or resumes the topic and its partitions for the state as it is now. */
  update(s: ReadingState): void {
    if (!this.paused && (s.full || s.failing)) this.pause();
    else if (this.paused && s.low && !s.failing && !s.stopping) {
      this.paused = false;
      this.held.clear(); // resuming the topic resumes its partitions too
      this.consumer.resume([{ topic: this.topic }]);
    }
    if (this.paused) return;
    const hold = s.spanning(this.maxSpan).filter((p) => !this.held.has(p));
    const release = [...this.held].filter((p) => s.unsettledOf(p) < this.maxSpan / 2);
    for (const p of hold) this.held.add(p);
    for (const p of release) this.held.delete(p);
    if (hold.length > 0) this.consumer.pause([{ topic: this.topic, partitions: hold }]);
    if (release.length > 0) this.consumer.resume([{ topic: this.topic, partitions: release }]);
  }

  /** Nothing more is taken: batches fetched now would only be fetched again. */
  pause(): void {
    this.paused = true;
    try {
      this.consumer.pause([{ topic: this.topic }]);
    } catch {
      // Not running (start failed before consumer.run): there is nothing to pause.
    }
  }
}
