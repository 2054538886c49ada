/**
 * The backlog: the durable spool plus the in-memory window of spooled events the batcher cuts
 * from. A commit waits while the spool is full (back-pressure) and hands the committed events
 * straight to the window when it has read everything before them; refill reads the spool in
 * order; release tells the spool which events are done, which frees space for waiting commits.
 */
import type { Envelope } from "../../components/catalog/envelope";
import type { AdmittedEvent } from "./admission";
import type { Pending } from "./batcher";
import type { ReplayLog, ReplayStep } from "./replay-log";
import type { Sink } from "./sink";
import { Spool } from "./spool";

/** The spool is full and nothing will free it in this run (stopped or closing): stop reading input. */
export class SpoolFullError extends Error {
  override name = "SpoolFullError";
}

/** Spool chunks read per query when refilling the queue. */
const CHUNKS_PER_READ = 16;

/**
 * A spooled event in the queue. Events handed over at commit keep the envelope parsed at the
 * door; events read back from the spool parse it only when a sink asks for it (sinks that ship
 * the spooled JSON as is never pay for the parse).
 */
export class QueuedEvent implements Pending {
  constructor(
    /** The spool chunk holding this event. */
    readonly seq: number,
    /** Its index in that chunk. */
    readonly index: number,
    readonly id: string,
    readonly json: string,
    /** Size as the sink counts it. */
    public bytes: number,
    private parsed?: Envelope,
    public shaped?: unknown,
  ) {}
  get env(): Envelope {
    this.parsed ??= JSON.parse(this.json) as Envelope;
    return this.parsed;
  }
  letGoOfEnvelope(): void {
    this.parsed = undefined;
  }
}

/** The spool as the backlog uses it. */
export type SpoolStore = Pick<
  Spool,
  "append" | "durable" | "readAfter" | "release" | "count" | "bytes" | "close" | "replays"
>;

export interface BacklogOptions {
  /** Spool bound in bytes: a commit waits while it would go over. */
  maxBytes: number;
  /** Events the queue holds ahead of the senders, at most... */
  target: number;
  /** ...and at most this many bytes (as the sink counts them). */
  targetBytes: number;
}

/** Spool bound unless configured. */
const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;

export class Backlog {
  /** Events read or handed over, in spool order, not yet taken into a batch. */
  readonly queue: QueuedEvent[] = [];
  private readCursor = 0;
  private spoolHasMore = true;
  private refusing = false;
  private waiters: (() => void)[] = [];
  /** The last commit's turn: commits reach the spool in the order they were made. */
  private lastTurn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly spool: SpoolStore,
    private readonly sink: Pick<Sink, "eventBytes" | "needsEnvelope">,
    private readonly opts: BacklogOptions,
  ) {}

  /**
   * Opens the destination's spool in dir, bounded to maxBytes (at least two of the largest
   * events), with a queue of a request per sender plus one.
   */
  static open(
    dir: string,
    sink: Pick<Sink, "name" | "limits" | "eventBytes" | "needsEnvelope">,
    opts: { maxInFlight: number; maxBytes?: number },
  ): Backlog {
    const maxBytes = opts.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    if (maxBytes < sink.limits.maxBytesPerEvent * 2) {
      throw new RangeError(
        `spoolMaxBytes ${maxBytes} is too small: it must hold at least two of the largest events (${sink.limits.maxBytesPerEvent * 2} bytes)`,
      );
    }
    const requests = opts.maxInFlight + 1;
    const target = sink.limits.maxEventsPerRequest * requests;
    const targetBytes = sink.limits.maxBytesPerRequest * requests;
    return new Backlog(new Spool(dir, sink.name), sink, { maxBytes, target, targetBytes });
  }

  /** Events in the spool (accepted, not yet delivered or dead-lettered). */
  get count(): number {
    return this.spool.count;
  }

  get bytes(): number {
    return this.spool.bytes;
  }

  /** Most bytes one commit should hold: a quarter of the bound, so a commit never needs an empty spool. */
  get chunkBytes(): number {
    return Math.floor(this.opts.maxBytes / 4);
  }

  /** Where dead-letter replays stand (committed with the events they feed back). */
  get replays(): ReplayLog {
    return this.spool.replays;
  }

  /**
   * The queue holds a request per sender and one more, by count or by bytes (a sink with large
   * requests, 4 MB, would otherwise queue tens of thousands of events): a commit now
   * would stay on disk, to be read back later.
   */
  get queueFull(): boolean {
    if (this.queue.length >= this.opts.target) return true;
    let bytes = 0;
    for (const event of this.queue) bytes += event.bytes;
    return bytes >= this.opts.targetBytes;
  }

  /** Nothing queued and nothing left unread in the spool. */
  get drained(): boolean {
    return this.queue.length === 0 && !this.spoolHasMore;
  }

  /**
   * Commits admitted events as one spool chunk, waiting while the spool has no room for them,
   * after the commits made before it. `queued` runs once the events are written and queued for
   * sending (they may go out while the disk syncs: a crash before the sync can only lose events
   * that were never acknowledged); the promise resolves once they are durable. Rejects with
   * SpoolFullError if commits are refused (the run stopped, or the exporter is closing) while it
   * waits for room. `replay`: a dead-letter replay's step, committed with them (even with no events).
   */
  commit(
    rows: readonly AdmittedEvent[],
    bytes: number,
    queued?: () => void,
    replay?: ReplayStep,
  ): Promise<void> {
    const turn = this.lastTurn.then(() => this.write(rows, bytes, replay));
    this.lastTurn = turn.catch(() => undefined);
    return turn.then(() => {
      queued?.();
      return this.spool.durable();
    });
  }

  private async write(rows: readonly AdmittedEvent[], bytes: number, replay?: ReplayStep): Promise<void> {
    if (rows.length === 0) {
      if (replay) this.spool.append([], { replay });
      return;
    }
    while (this.spool.bytes + bytes > this.opts.maxBytes) {
      if (this.refusing) {
        throw new SpoolFullError(
          `the spool is full (${this.opts.maxBytes} bytes) and nothing is being delivered: the rest of the input was not read`,
        );
      }
      await this.space(); // back-pressure: resumes as deliveries free space
    }
    const handedOver = !this.spoolHasMore && !this.queueFull;
    const seq = this.spool.append(rows, { handedOver, replay });
    if (!handedOver) {
      this.spoolHasMore = true;
      return;
    }
    // The queue has read everything before this chunk: hand the committed events over as they
    // are (parsed, sized and shaped at the door) instead of reading them back from disk.
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as AdmittedEvent;
      this.queue.push(new QueuedEvent(seq, i, row.id, row.body, row.size, row.heldEnvelope, row.shaped));
    }
    this.readCursor = seq;
  }

  /** Tops the queue up to its target from the spool, in order. */
  refill(): void {
    while (this.spoolHasMore && !this.queueFull) {
      const chunks = this.spool.readAfter(this.readCursor, CHUNKS_PER_READ);
      if (chunks.length < CHUNKS_PER_READ) this.spoolHasMore = false;
      for (const chunk of chunks) {
        this.readCursor = chunk.seq;
        for (let i = 0; i < chunk.bodies.length; i++) {
          const event = new QueuedEvent(
            chunk.seq,
            chunk.first + i,
            chunk.ids[i] as string,
            chunk.bodies[i] as string,
            0,
          );
          event.bytes = this.sink.eventBytes(event);
          // Sized (and shaped) now: a sink that needs only `shaped` holds no parse while it waits.
          if (this.sink.needsEnvelope === false) event.letGoOfEnvelope();
          this.queue.push(event);
        }
      }
    }
  }

  /** Tells the spool these events are done (delivered or dead-lettered), per chunk. */
  release(events: readonly QueuedEvent[]): void {
    if (events.length === 0) return;
    const done = new Map<number, number[]>();
    for (const p of events) {
      const indexes = done.get(p.seq);
      if (indexes) indexes.push(p.index);
      else done.set(p.seq, [p.index]);
    }
    this.spool.release(done);
    this.wake();
  }

  /** Resolves at the next release (space may have been freed) or when commits are refused. */
  space(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Commits waiting for space fail from now on (the run stopped, or the exporter is closing). */
  refuseCommits(): void {
    this.refusing = true;
    this.wake();
  }

  close(): void {
    this.spool.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
