/**
 * The shared delivery engine. Input lines are validated at the door (malformed ones go to the
 * dead-letter file), committed to the durable spool before they are acknowledged, then read back
 * in order, batched by count / bytes / linger time and sent with N requests in flight. Outcomes
 * drive retries (full-jitter backoff, Retry-After, elapsed budget), splitting on too-large, and
 * dead-lettering on permanent errors. An event leaves the spool only once delivered or
 * dead-lettered: at-least-once, keyed by the event's RecordId for de-duplication downstream.
 */
import path from "node:path";
import { checkEnvelope, type Envelope } from "../../components/catalog/envelope";
import { fillsRequest, type Pending, takeBatch } from "./batch";
import { LatencyReservoir, type Summary } from "./counters";
import { type DeadLetter, DeadLetterFile } from "./dead-letter";
import { DEFAULT_RETRY, nextDelayMs, type RetryPolicy } from "./retry";
import type { SendOutcome, Sink, SinkEvent } from "./sink";
import { Spool, type SpoolEvent } from "./spool";

/** Spool chunks read per query when refilling the queue. */
const CHUNKS_PER_READ = 16;

/** An admitted event: what the spool stores, plus the envelope already parsed at the door. */
type Admitted = SpoolEvent & { env: Envelope };

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

/**
 * A spooled event in the queue. Events handed over at commit keep the envelope parsed at the
 * door; events read back from the spool parse it only when a sink asks for it (sinks that ship
 * the spooled JSON as is, http and CloudWatch, never pay for the parse).
 */
class QueuedEvent implements Pending {
  bytes = 0;
  constructor(
    /** The spool chunk holding this event. */
    readonly seq: number,
    /** Its index in that chunk. */
    readonly index: number,
    readonly id: string,
    readonly json: string,
    private parsed?: Envelope,
  ) {}
  get env(): Envelope {
    this.parsed ??= JSON.parse(this.json) as Envelope;
    return this.parsed;
  }
}

/** Waits ms, or less if the signal aborts; never leaves a listener behind on the shared signal. */
const sleep = (ms: number, signal: AbortSignal) =>
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

export class Exporter {
  private readonly spool: Spool;
  private readonly deadLetters: DeadLetterFile;
  private readonly opts: Required<Omit<ExporterOptions, "deadLetterFile" | "retry" | "random">>;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly abort = new AbortController();
  private readonly latency = new LatencyReservoir();
  private readonly started = Date.now();

  private queue: QueuedEvent[] = [];
  private readCursor = 0;
  private spoolHasMore = true;
  private inFlight = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private flushing = false;
  private closed = false;
  private halted: string | undefined;
  private lastError: string | undefined;
  private waiters: (() => void)[] = [];

  private readonly counts = {
    accepted: 0,
    sent: 0,
    retried: 0,
    deadLettered: 0,
    malformed: 0,
    bytesSent: 0,
    requests: 0,
  };

  constructor(
    private readonly sink: Sink,
    options: ExporterOptions,
  ) {
    this.opts = {
      spoolDir: options.spoolDir,
      spoolMaxBytes: options.spoolMaxBytes ?? 256 * 1024 * 1024,
      maxInFlight: Math.min(options.maxInFlight ?? 4, sink.limits.maxInFlight ?? Number.POSITIVE_INFINITY),
      lingerMs: options.lingerMs ?? 200,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    };
    if (this.opts.spoolMaxBytes < sink.limits.maxBytesPerEvent * 2) {
      throw new RangeError(
        `spoolMaxBytes ${this.opts.spoolMaxBytes} is too small: it must hold at least two of the largest events (${sink.limits.maxBytesPerEvent * 2} bytes)`,
      );
    }
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.spool = new Spool(options.spoolDir, sink.name);
    this.deadLetters = new DeadLetterFile(
      options.deadLetterFile ?? path.join(options.spoolDir, `${sink.name}.deadletter.ndjson`),
      sink.name,
    );
    // Events left by an earlier run (crash, kill -9, retry budget spent) go first.
    queueMicrotask(() => this.pump());
  }

  /** Validates and persists one input line (see acceptMany). */
  accept(line: string): Promise<void> {
    return this.acceptMany([line]);
  }

  /**
   * Validates input lines and commits the valid ones to the spool in as few transactions as the
   * spool bound allows; malformed lines go to the dead-letter file. Resolves once every line is
   * committed or dead-lettered; waits (back-pressure) while the spool is full.
   */
  async acceptMany(lines: readonly string[]): Promise<void> {
    if (this.closed) throw new Error("exporter is closed");
    const chunkLimit = Math.floor(this.opts.spoolMaxBytes / 4);
    let chunk: Admitted[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const row = this.admit(line);
      if (!row) continue;
      if (chunk.length > 0 && chunkBytes + row.bytes > chunkLimit) {
        await this.commit(chunk, chunkBytes);
        chunk = [];
        chunkBytes = 0;
      }
      chunk.push(row);
      chunkBytes += row.bytes;
    }
    if (chunk.length > 0) await this.commit(chunk, chunkBytes);
  }

  /** Resolves when every accepted event is delivered, dead-lettered, or parked in the spool. */
  async flush(): Promise<void> {
    this.flushing = true;
    this.pump();
    while (!this.idle()) await this.waitForChange();
    this.flushing = false;
  }

  /** Stops accepting, flushes for up to timeoutMs, aborts what is left in flight, closes. */
  async close({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<Summary> {
    this.closed = true;
    this.notify();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.abort.abort();
    while (this.inFlight > 0) await this.waitForChange();
    clearTimeout(this.lingerTimer);
    const summary = this.summary();
    await this.sink.close();
    this.spool.close();
    this.deadLetters.close();
    return summary;
  }

  summary(): Summary {
    const elapsedMs = Date.now() - this.started;
    return {
      destination: this.sink.name,
      ...this.counts,
      inSpool: this.spool.count,
      spoolBytes: this.spool.bytes,
      latencyMs: this.latency.snapshot(),
      elapsedMs,
      eventsPerSecond: elapsedMs > 0 ? (this.counts.sent * 1000) / elapsedMs : 0,
      ...(this.halted ? { halted: this.halted } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      deadLetterFile: this.deadLetters.file,
    };
  }

  /** The door: parse, validate, size-check. Returns the spool row, or undefined if dead-lettered. */
  private admit(line: string): Admitted | undefined {
    const trimmed = line.trim();
    if (trimmed === "") return undefined;
    let reason: string;
    try {
      const checked = checkEnvelope(JSON.parse(trimmed));
      if (checked.ok) {
        // Plain JSON.stringify (keys in schema order, deterministic for a given input): the
        // sorted-key serialiser cost twice as much, and nothing downstream depends on key order.
        const json = JSON.stringify(checked.envelope);
        const size = this.sink.eventBytes({ env: checked.envelope, json });
        const timeProblem = this.checkTime(checked.envelope.time * 1000);
        if (size <= this.sink.limits.maxBytesPerEvent && !timeProblem) {
          return {
            id: checked.envelope.event.RecordId,
            body: json,
            bytes: Buffer.byteLength(json),
            env: checked.envelope,
          };
        }
        reason =
          timeProblem ??
          `event is ${size} bytes; ${this.sink.name} accepts at most ${this.sink.limits.maxBytesPerEvent} per event`;
      } else reason = `not a valid event envelope: ${checked.reason}`;
    } catch (err) {
      reason = `not valid JSON: ${(err as Error).message}`;
    }
    this.deadLetters.write([{ reason, line }]);
    this.counts.malformed++;
    return undefined;
  }

  /** The sink's timestamp window, checked at the door so one stale event cannot fail a batch. */
  private checkTime(ms: number): string | undefined {
    const { maxEventAgeMs, maxEventFutureMs } = this.sink.limits;
    if (maxEventAgeMs === undefined && maxEventFutureMs === undefined) return undefined;
    const now = Date.now();
    // No closure per event: under tsx every closure creation also pays a naming helper.
    if (maxEventAgeMs !== undefined && ms < now - maxEventAgeMs) {
      return `event time ${new Date(ms).toISOString()} is older than ${this.sink.name} accepts (${maxEventAgeMs / 3_600_000} h)`;
    }
    if (maxEventFutureMs !== undefined && ms > now + maxEventFutureMs) {
      return `event time ${new Date(ms).toISOString()} is further in the future than ${this.sink.name} accepts (${maxEventFutureMs / 3_600_000} h)`;
    }
    return undefined;
  }

  private async commit(rows: Admitted[], bytes: number): Promise<void> {
    while (this.spool.bytes + bytes > this.opts.spoolMaxBytes) {
      if (this.closed) throw new Error("exporter closed while waiting for spool space");
      await this.waitForChange(); // back-pressure: resumes as deliveries free space
    }
    const handedOver = !this.spoolHasMore && this.queue.length < this.queueTarget();
    const seq = this.spool.append(rows, { handedOver });
    this.counts.accepted += rows.length;
    if (handedOver) {
      // The queue has read everything before this chunk: hand the committed events over as they
      // are (already parsed) instead of reading them back from disk.
      for (const [i, row] of rows.entries()) this.enqueue(new QueuedEvent(seq, i, row.id, row.body, row.env));
      this.readCursor = seq;
    } else this.spoolHasMore = true;
    this.pump();
  }

  /** How many events the queue holds ahead of the senders: a request per sender, plus one. */
  private queueTarget(): number {
    return this.sink.limits.maxEventsPerRequest * (this.opts.maxInFlight + 1);
  }

  private enqueue(event: QueuedEvent): void {
    event.bytes = this.sink.eventBytes(event);
    this.queue.push(event);
  }

  private idle(): boolean {
    return (
      this.inFlight === 0 &&
      (this.queue.length === 0 || this.halted !== undefined) &&
      (!this.spoolHasMore || this.halted !== undefined)
    );
  }

  private refill(): void {
    const want = this.queueTarget();
    while (this.spoolHasMore && this.queue.length < want) {
      const chunks = this.spool.readAfter(this.readCursor, CHUNKS_PER_READ);
      if (chunks.length < CHUNKS_PER_READ) this.spoolHasMore = false;
      for (const chunk of chunks) {
        this.readCursor = chunk.seq;
        for (const [i, body] of chunk.bodies.entries())
          this.enqueue(new QueuedEvent(chunk.seq, chunk.first + i, chunk.ids[i] as string, body));
      }
    }
  }

  /** Starts as many batches as limits allow; a partial batch waits up to lingerMs for company. */
  private pump(): void {
    if (this.halted !== undefined || this.abort.signal.aborted) {
      this.notify();
      return;
    }
    this.refill();
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      if (!fillsRequest(this.queue, this.sink.limits) && !this.flushing && !this.closed) {
        this.lingerTimer ??= setTimeout(() => {
          this.lingerTimer = undefined;
          this.sendNow();
          this.pump();
        }, this.opts.lingerMs);
        break;
      }
      this.sendNow();
      this.refill();
    }
    this.notify();
  }

  private sendNow(): void {
    if (this.queue.length === 0 || this.inFlight >= this.opts.maxInFlight || this.halted !== undefined)
      return;
    const batch = takeBatch(this.queue, this.sink.limits);
    this.inFlight++;
    void this.deliver(batch, Date.now())
      .catch((err: Error) => {
        this.lastError = `internal error: ${err.message}`; // the rows stay in the spool
      })
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }

  /** Sends one batch until it is delivered, dead-lettered, or parked in the spool. */
  private async deliver(batch: QueuedEvent[], firstTry: number): Promise<void> {
    let attempt = 0;
    let pending = batch;
    while (pending.length > 0) {
      if (this.halted !== undefined || this.abort.signal.aborted) return; // stays in the spool
      const events: readonly SinkEvent[] = pending;
      const t0 = performance.now();
      const outcome = await this.sink
        .send(
          this.sink.encode(events),
          events,
          AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.requestTimeoutMs)]),
        )
        .catch(
          (err: Error): SendOutcome => ({ kind: "retryable", reason: `request failed: ${err.message}` }),
        );
      this.latency.add(performance.now() - t0);
      this.counts.requests++;
      switch (outcome.kind) {
        case "ok":
          return this.delivered(pending);
        case "partial": {
          const rejected = new Map(outcome.rejected.map((r) => [r.index, r]));
          const again: QueuedEvent[] = [];
          const dead: { p: QueuedEvent; reason: string }[] = [];
          this.delivered(
            pending.filter((p, i) => {
              const r = rejected.get(i);
              if (r?.retryable) again.push(p);
              else if (r) dead.push({ p, reason: `rejected by ${this.sink.name}: ${r.reason}` });
              return r === undefined;
            }),
          );
          this.deadLetter(dead);
          pending = again;
          if (pending.length === 0) return;
          this.lastError = `${again.length} events rejected by ${this.sink.name} as retryable`;
          break; // retry the retryable rejects with backoff below
        }
        case "too-large": {
          if (pending.length === 1) {
            return this.deadLetter(
              pending.map((p) => ({ p, reason: `too large for ${this.sink.name}: ${outcome.reason}` })),
            );
          }
          const half = Math.ceil(pending.length / 2);
          await this.deliver(pending.slice(0, half), firstTry);
          await this.deliver(pending.slice(half), firstTry);
          return;
        }
        case "permanent":
          this.deadLetter(
            pending.map((p) => ({ p, reason: `rejected by ${this.sink.name}: ${outcome.reason}` })),
          );
          if (outcome.fatal) this.halted = outcome.reason;
          return;
        case "retryable":
          this.lastError = outcome.reason;
          break;
      }
      const retryAfter =
        outcome.kind === "retryable" || outcome.kind === "partial" ? outcome.retryAfterMs : undefined;
      const delay = nextDelayMs(attempt, this.retry, retryAfter, this.random);
      if (Date.now() + delay - firstTry > this.retry.maxElapsedMs) return; // budget spent: parked in the spool
      this.counts.retried += pending.length;
      attempt++;
      await sleep(delay, this.abort.signal);
    }
  }

  private delivered(events: QueuedEvent[]): void {
    if (events.length === 0) return;
    this.release(events);
    this.counts.sent += events.length;
    for (const p of events) this.counts.bytesSent += p.bytes;
    this.notify();
  }

  /** Tells the spool these events are done, per chunk. */
  private release(events: readonly QueuedEvent[]): void {
    const done = new Map<number, number[]>();
    for (const p of events) {
      const indexes = done.get(p.seq);
      if (indexes) indexes.push(p.index);
      else done.set(p.seq, [p.index]);
    }
    this.spool.release(done);
  }

  private deadLetter(events: { p: QueuedEvent; reason: string }[]): void {
    if (events.length === 0) return;
    const entries: DeadLetter[] = events.map(({ p, reason }) => ({ reason, event: p.env }));
    this.deadLetters.write(entries); // written and fsynced before the events leave the spool
    this.release(events.map(({ p }) => p));
    this.counts.deadLettered += events.length;
    this.notify();
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
