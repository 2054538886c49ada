/**
 * The events taken from the topic and not yet in a request: what the batcher cuts from, bounded
 * (reading pauses when it is full, resumes when it is half empty). Each remembers its partition's
 * ledger and offset, so that settling it frees the commit point.
 */
import type { AdmittedEvent } from "../pipeline/admission";
import type { Pending } from "../pipeline/batcher";
import type { SinkEvent } from "../pipeline/sink";
import type { PartitionLedger } from "./ledger";

/** An event taken from a partition: what the batcher cuts and the sink sends, and where it came from. */
export class ForwardEvent implements Pending, SinkEvent {
  readonly id: string;
  readonly json: string;
  /** Size as the sink counts it. */
  readonly bytes: number;
  shaped: unknown;
  constructor(
    private readonly admitted: AdmittedEvent,
    readonly ledger: PartitionLedger,
    /** Its offset in the partition. */
    readonly seq: number,
    readonly key: Buffer | null,
  ) {
    this.id = admitted.id;
    this.json = admitted.json;
    this.bytes = admitted.size;
    this.shaped = admitted.shaped;
  }
  get env() {
    return this.admitted.env;
  }
}

/** Bytes held before reading pauses, whatever the count (a sink with large events). */
const MAX_BYTES = 64 * 1024 * 1024;

export class PendingEvents {
  readonly queue: ForwardEvent[] = [];
  private bytes = 0;

  constructor(private readonly maxEvents: number) {}

  get length(): number {
    return this.queue.length;
  }

  /** At the bound: reading pauses. */
  get full(): boolean {
    return this.queue.length >= this.maxEvents || this.bytes >= MAX_BYTES;
  }

  /** Half empty: reading may resume. */
  get low(): boolean {
    return this.queue.length < this.maxEvents / 2 && this.bytes < MAX_BYTES / 2;
  }

  push(event: ForwardEvent): void {
    this.queue.push(event);
    this.bytes += event.bytes;
  }

  /** A batch was cut from the queue. */
  took(batch: readonly ForwardEvent[]): void {
    for (const e of batch) this.bytes -= e.bytes;
  }

  /** Events back at the front (their retry budget was spent): not those of a revoked partition. */
  requeue(events: readonly ForwardEvent[]): void {
    const again = events.filter((e) => !e.ledger.revoked);
    this.queue.unshift(...again);
    for (const e of again) this.bytes += e.bytes;
  }

  /** Drops the events of revoked partitions: they will be read again from the last commit. */
  dropRevoked(): void {
    const kept = this.queue.filter((e) => !e.ledger.revoked);
    this.queue.splice(0, this.queue.length, ...kept);
    this.bytes = kept.reduce((n, e) => n + e.bytes, 0);
  }
}
