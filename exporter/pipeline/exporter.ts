/**
 * The shared delivery engine, composed of its parts: lines validated at the door (admission),
 * committed to the durable spool before they are acknowledged (backlog), cut into batches
 * (batcher), sent N at a time (dispatcher), each batch until settled (retrying sender). An event
 * leaves the spool only once delivered or dead-lettered: at-least-once, keyed by RecordId. A
 * `stop` answer (refused credential, missing resource) halts the run with every undelivered
 * event still in the spool.
 */
import path from "node:path";
import { admitLines, type RefusedLine } from "./admission";
import { Backlog, type QueuedEvent } from "./backlog";
import { Batcher } from "./batcher";
import { DeadLetterFile } from "./dead-letter";
import { Dispatcher } from "./dispatcher";
import { Metrics, type Summary } from "./metrics";
import type { ReplayLog, ReplayStep } from "./replay-log";
import type { RetryPolicy } from "./retry";
import { RetryingSender, type Settlement } from "./retrying-sender";
import type { Sink } from "./sink";

export interface ExporterOptions {
  /** Folder of the spool database and (by default) the dead-letter file. */
  spoolDir: string;
  /** Spool bound; accept() waits (back-pressure) while the spool is this full. Default 256 MiB. */
  spoolMaxBytes?: number;
  deadLetterFile?: string;
  /** Requests in flight to the destination. Default 4. */
  maxInFlight?: number;
  /** How long a partial batch waits for more events. Default 200 ms. */
  lingerMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
  /** Injectable randomness for jitter (tests). */
  random?: () => number;
}

/** Lines fed back from a moved-aside dead-letter file (replay.ts): lines[i] ends at byte ends[i] of it. */
export interface ReplaySpan {
  /** The file's name. */
  file: string;
  ends: readonly number[];
}

export class Exporter {
  private readonly backlog: Backlog;
  private readonly batcher: Batcher<QueuedEvent>;
  private readonly dispatcher: Dispatcher;
  private readonly sender: RetryingSender<QueuedEvent>;
  private readonly deadLetters: DeadLetterFile;
  private readonly metrics: Metrics;
  private flushing = false;
  private closed = false;

  constructor(
    private readonly sink: Sink,
    options: ExporterOptions,
  ) {
    const deadLetterFile =
      options.deadLetterFile ?? path.join(options.spoolDir, `${sink.name}.deadletter.ndjson`);
    this.metrics = new Metrics(sink.name, deadLetterFile); // the run's clock starts here
    this.dispatcher = new Dispatcher(options.maxInFlight ?? 4, sink.limits.maxInFlight);
    const { maxInFlight } = this.dispatcher;
    this.backlog = Backlog.open(options.spoolDir, sink, { maxInFlight, maxBytes: options.spoolMaxBytes });
    this.batcher = new Batcher(this.backlog.queue, sink.limits, options.lingerMs ?? 200);
    this.deadLetters = new DeadLetterFile(deadLetterFile, sink.name);
    this.sender = new RetryingSender(sink, this.dispatcher, this.metrics, options);
    // Events left by an earlier run (crash, kill -9, retry budget spent) go first.
    queueMicrotask(() => this.pump());
  }

  /** Validates and persists one input line (see acceptMany). */
  async accept(line: string): Promise<void> {
    await this.acceptMany([line]);
  }

  /**
   * Validates input lines and commits the valid ones to the spool in as few transactions as the
   * spool bound allows; refused lines go to the dead-letter file with their cause. Resolves once
   * every line is committed or dead-lettered, with how many were of each; waits (back-pressure)
   * while the spool is full. Rejects with SpoolFullError if the spool is full after the run
   * stopped (nothing would free it): the caller stops reading its input.
   * `replay`: the lines come from a dead-letter file; each commit also records how far into it
   * they go, and the lines refused since the previous commit are dead-lettered with it (replay-log.ts).
   */
  async acceptMany(
    lines: readonly string[],
    replay?: ReplaySpan,
  ): Promise<{ accepted: number; deadLettered: number }> {
    if (this.closed) throw new Error("exporter is closed");
    const counts = { accepted: 0, deadLettered: 0 };
    const counted = (refused: readonly RefusedLine[]) => {
      for (const r of refused) this.metrics.deadLettered(r.cause);
      counts.deadLettered += refused.length;
    };
    const refused: RefusedLine[] = []; // a replay's, dead-lettered with its next commit
    let through = 0;
    for (const item of admitLines(lines, this.sink, this.backlog.chunkBytes)) {
      if ("line" in item) {
        if (replay) refused.push(item);
        else {
          this.deadLetters.write([item]);
          counted([item]);
        }
        continue;
      }
      const held = refused.splice(0);
      await this.queueRoom();
      // Sending starts as soon as the events are written; they count as accepted once durable.
      await this.backlog.commit(
        item.rows,
        item.bytes,
        this.pumpNow,
        replay && this.replayStep(replay, item.through, held),
      );
      counted(held);
      through = item.through;
      this.metrics.counts.accepted += item.rows.length;
      counts.accepted += item.rows.length;
    }
    if (replay && through < lines.length) {
      const held = refused.splice(0);
      await this.backlog.commit([], 0, undefined, this.replayStep(replay, lines.length, held));
      counted(held);
    }
    return counts;
  }

  /** A replay's progress up to line `end`, with the lines refused since its previous step. */
  private replayStep(span: ReplaySpan, end: number, refused: readonly RefusedLine[]): ReplayStep {
    return {
      file: span.file,
      offset: span.ends[end - 1] as number,
      deadLetterFile: path.resolve(this.deadLetters.file), // the next run may start in another folder
      deadLetters: this.deadLetters.format(refused),
    };
  }

  /** Where dead-letter replays stand (replay.ts). */
  get replays(): ReplayLog {
    return this.backlog.replays;
  }

  /**
   * While the destination keeps up (requests in flight, none backing off), waits for the senders
   * to take from a full queue instead of committing events that would then be read back from disk:
   * the reader goes at the senders' pace, with no read-back CPU and no second copy in memory. When
   * the destination fails (a batch backs off) or nothing is in flight, commits go straight on and
   * the spool absorbs the input.
   */
  private async queueRoom(): Promise<void> {
    while (
      this.backlog.queueFull &&
      this.dispatcher.inFlight > 0 &&
      this.sender.backingOff === 0 &&
      !this.dispatcher.stopped
    ) {
      await Promise.race([this.dispatcher.settled(), new Promise((r) => setTimeout(r, 50))]);
    }
  }

  /** Where refused lines and rejected events go. */
  get deadLetterFile(): string {
    return this.deadLetters.file;
  }

  /** Why the run stopped (a `stop` answer), if it did. */
  get haltReason(): string | undefined {
    return this.dispatcher.haltReason;
  }

  /** Resolves when every accepted event is delivered, dead-lettered, or parked in the spool. */
  async flush(): Promise<void> {
    this.flushing = true;
    this.pump();
    // Until nothing is in flight and nothing is left to send (or the run stopped: the rest stays spooled).
    while (this.dispatcher.inFlight > 0 || !(this.dispatcher.stopped || this.backlog.drained)) {
      await this.dispatcher.settled();
      this.pump();
    }
    this.flushing = false;
  }

  /** Stops accepting, flushes for up to timeoutMs, aborts what is left in flight, closes. */
  async close({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<Summary> {
    this.closed = true;
    this.backlog.refuseCommits();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.dispatcher.abort();
    await this.dispatcher.idle();
    this.batcher.stop();
    const summary = this.summary();
    await this.sink.close();
    this.backlog.close();
    this.deadLetters.close();
    return summary;
  }

  summary(): Summary {
    return this.metrics.summary(this.backlog, this.dispatcher.haltReason);
  }

  /** Starts as many batches as slots allow; a partial batch lingers up to lingerMs for company. */
  private pump(lingered = false): void {
    if (this.dispatcher.stopped) return;
    this.backlog.refill();
    let partialNow = lingered || this.flushing || this.closed;
    while (this.dispatcher.hasSlot) {
      const batch = this.batcher.next(partialNow);
      if (batch === undefined) break;
      partialNow = this.flushing || this.closed; // the next partial batch lingers anew
      void this.dispatcher
        .run(async () => this.settle(await this.sender.send(batch, this.settle)))
        .then(this.afterJob);
      this.backlog.refill();
    }
    if (this.dispatcher.hasSlot && this.backlog.queue.length > 0)
      this.batcher.linger()?.then(this.afterLinger);
  }

  private readonly afterLinger = (): void => this.pump(true);

  private readonly pumpNow = (): void => this.pump();

  private readonly afterJob = (error: Error | undefined): void => {
    if (error) this.metrics.lastError = `internal error: ${error.message}`; // the rows stay in the spool
    this.pump();
  };

  /** Dead letters are written (and fsynced) before their events leave the spool. */
  private readonly settle = ({ sent, dead, stop }: Settlement<QueuedEvent>): void => {
    if (dead.length > 0) {
      this.deadLetters.write(dead.map((d) => ({ cause: d.cause, reason: d.reason, event: d.event.env })));
      for (const d of dead) this.metrics.deadLettered(d.cause);
    }
    this.backlog.release(dead.length > 0 ? [...sent, ...dead.map((d) => d.event)] : sent);
    this.metrics.sent(sent);
    if (stop !== undefined) {
      this.dispatcher.halt(stop);
      this.backlog.refuseCommits(); // a full spool will not drain now: commits waiting for room fail
    }
  };
}
