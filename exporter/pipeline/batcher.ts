/**
 * Batch formation: take events from the head of the queue while they fit the sink's limits on
 * count, bytes and time span (pure, so limits are unit-tested directly), and the linger timer
 * that lets a partial batch wait a little for company.
 */
import type { Envelope } from "../../components/catalog/envelope";
import type { SinkLimits } from "./sink";

export interface Pending {
  /** Sequence number of the spool chunk holding the event. */
  seq: number;
  /** The event's stable id (RecordId). */
  id: string;
  /** The envelope (may be parsed from `json` on first access). */
  readonly env: Envelope;
  /** Compact JSON of env, as spooled. */
  json: string;
  /** Size as the sink counts it. */
  bytes: number;
}

/**
 * Removes and returns the longest prefix of `queue` that fits the limits (at least one event:
 * oversize events were rejected at the door). Sorted by time when the sink requires it.
 */
export function takeBatch<P extends Pending>(queue: P[], limits: SinkLimits): P[] {
  let bytes = 0;
  let minTime = Number.POSITIVE_INFINITY;
  let maxTime = Number.NEGATIVE_INFINITY;
  let n = 0;
  for (const p of queue) {
    if (n >= limits.maxEventsPerRequest) break;
    if (n > 0 && bytes + p.bytes > limits.maxBytesPerRequest) break;
    // Only time-bounded sinks need the event time (reading it may parse the spooled JSON).
    if (limits.maxBatchSpanMs !== undefined) {
      const t = p.env.time * 1000;
      const lo = Math.min(minTime, t);
      const hi = Math.max(maxTime, t);
      if (n > 0 && hi - lo > limits.maxBatchSpanMs) break;
      minTime = lo;
      maxTime = hi;
    }
    bytes += p.bytes;
    n++;
  }
  const batch = queue.splice(0, Math.max(n, 1));
  if (limits.sortByTime) batch.sort((a, b) => a.env.time - b.env.time);
  return batch;
}

/** Whether the head of the queue already fills a whole request (no point lingering). */
export function fillsRequest(queue: readonly Pending[], limits: SinkLimits): boolean {
  if (queue.length >= limits.maxEventsPerRequest) return true;
  let bytes = 0;
  for (const p of queue) {
    bytes += p.bytes;
    if (bytes >= limits.maxBytesPerRequest) return true;
  }
  return false;
}

/** Cuts batches from a queue it shares with its filler (the backlog). */
export class Batcher<P extends Pending> {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: P[],
    private readonly limits: SinkLimits,
    private readonly lingerMs: number,
  ) {}

  /**
   * The next batch, or undefined when the queue is empty or holds less than a request and may
   * still linger. `now` (flushing, closing, linger time up) sends a partial batch at once.
   */
  next(now: boolean): P[] | undefined {
    if (this.queue.length === 0) return undefined;
    if (!now && !fillsRequest(this.queue, this.limits)) return undefined;
    return takeBatch(this.queue, this.limits);
  }

  /**
   * Starts the linger timer; the promise resolves when it is up (then a partial batch may go).
   * Undefined if a timer is already running: its promise has a taker already.
   */
  linger(): Promise<void> | undefined {
    if (this.timer !== undefined) return undefined;
    return new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        resolve();
      }, this.lingerMs);
    });
  }

  /** Cancels a running linger timer (its promise then never resolves). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
