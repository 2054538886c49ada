/**
 * The forwarder: a Kafka consumer-group member that delivers a topic to any destination's Sink
 * through the shared pipeline parts (admission at the door, batcher, dispatcher, retrying sender:
 * batches, retries, Retry-After, 413 halves, outcome classification). Kafka is the buffer: no
 * spool. eachBatch only takes events (and moves the fetch position); each partition's offset is
 * committed up to its last contiguous event the destination acknowledged or the dead-letter topic
 * holds (ledger.ts), so a process killed at any moment loses nothing: its partitions are read
 * again from the last commit by whoever owns them next. Reading pauses while the events held are
 * at their bound or every request waits out a failing destination, and resumes after.
 */
import type { Admin, Consumer, EachBatchPayload, KafkaMessage, Producer } from "kafkajs";
import { admit } from "../pipeline/admission";
import { Batcher } from "../pipeline/batcher";
import type { DeadLetterCause } from "../pipeline/dead-letter";
import { Dispatcher } from "../pipeline/dispatcher";
import { Metrics } from "../pipeline/metrics";
import type { RetryPolicy } from "../pipeline/retry";
import { RetryingSender, type Settlement, sleep } from "../pipeline/retrying-sender";
import type { Sink } from "../pipeline/sink";
import { Assignment } from "./assignment";
import { DeadLetterTopic } from "./dead-letter-topic";
import type { PartitionLedger } from "./ledger";
import { ForwardEvent, PendingEvents } from "./pending";
import { ReadingGate } from "./reading";
import { explainRefusal, type KafkaSource, kafkaClientOf } from "./source";
import { type ForwardStatus, RateMeter } from "./status";

export interface ForwarderOptions {
  /** Requests in flight to the destination. Default 4. */
  maxInFlight?: number;
  /** How long a partial batch waits for more events. Default 200 ms. */
  lingerMs?: number;
  /** Backoff; the budget defaults to 10 minutes, after which a batch starts its retries over. */
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  /** How often acknowledged offsets are committed. Default 500 ms. */
  commitIntervalMs?: number;
}

export type ForwardEnd = { halted: string } | { failed: string } | { stopped: true };

export class Forwarder {
  readonly metrics: Metrics;
  /** Resolves when the forwarder stops by itself: halted (a refusal) or failed (the consumer gave up). */
  readonly ended: Promise<ForwardEnd>;
  private end!: (e: ForwardEnd) => void;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly dispatcher: Dispatcher;
  private readonly sender: RetryingSender<ForwardEvent>;
  private readonly batcher: Batcher<ForwardEvent>;
  private readonly deadLetters: DeadLetterTopic;
  private readonly pending: PendingEvents;
  private readonly assignment: Assignment;
  private readonly rate = new RateMeter();
  private readonly reading: ReadingGate;
  private stopping = false;
  private revoking: Promise<void> | undefined;
  /** Between a rebalance's start and the next generation: batches still delivered are not taken. */
  private rebalancing = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly sink: Sink,
    private readonly source: KafkaSource,
    private readonly options: ForwarderOptions = {},
  ) {
    this.ended = new Promise((resolve) => {
      this.end = resolve;
    });
    this.metrics = new Metrics(sink.name, source.deadLetterTopic);
    this.dispatcher = new Dispatcher(options.maxInFlight ?? 4, sink.limits.maxInFlight);
    this.sender = new RetryingSender(sink, this.dispatcher, this.metrics, {
      ...options,
      retry: { maxElapsedMs: 600_000, ...options.retry },
    });
    // At least a request per sender and one more, so that a full pipeline never pauses reading.
    const requests = (this.dispatcher.maxInFlight + 1) * sink.limits.maxEventsPerRequest;
    this.pending = new PendingEvents(Math.max(source.maxPendingEvents ?? 20_000, requests));
    this.batcher = new Batcher(this.pending.queue, sink.limits, options.lingerMs ?? 200);
    const maxSpan = Math.max(5000, 2 * requests);
    const kafka = kafkaClientOf(source);
    this.consumer = kafka.consumer({
      groupId: source.group,
      allowAutoTopicCreation: false,
      sessionTimeout: source.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3000, Math.floor((source.sessionTimeoutMs ?? 30_000) / 3)),
      rebalanceTimeout: 60_000,
      maxBytes: 8 * 1024 * 1024, // one fetch: what reading may hold beyond the bound
      // Also how long kafkajs sleeps when every partition is paused (back-pressure) before it
      // looks again: its default, 5 s, stalled every resumed topic (one forwarder, 100,000 events:
      // 6,000 -> 45,000 events/s, BENCH_ONLY=forward).
      maxWaitTimeInMs: 250,
    });
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    this.reading = new ReadingGate(this.consumer, source.topic, maxSpan);
    this.admin = kafka.admin();
    this.assignment = new Assignment(source.topic, this.consumer);
    this.deadLetters = new DeadLetterTopic(
      this.producer,
      source.deadLetterTopic,
      sink.name,
      this.dispatcher.stopSignal,
      (message, refused) => {
        if (refused) this.halt(message);
        else this.metrics.lastError = message;
      },
    );
  }

  /** Connects, joins the group and starts reading; rejects when Kafka refuses the connection. */
  async start(): Promise<void> {
    await this.producer.connect();
    await this.admin.connect();
    await this.consumer.connect();
    const { GROUP_JOIN, REBALANCING, CRASH } = this.consumer.events;
    // A new generation reads from the group's commits: what this process held before is re-read.
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.retire();
      this.assignment.assigned(payload.memberAssignment[this.source.topic] ?? []);
      this.rebalancing = false;
    });
    // Seen outside eachBatch (the group moved while idle between batches): this generation may
    // still commit while the group waits for the members, so what was acknowledged is not re-sent.
    this.consumer.on(REBALANCING, () => {
      this.rebalancing = true;
      void this.assignment.commit(this.retire());
    });
    this.consumer.on(CRASH, ({ payload }) => {
      if (!payload.restart)
        this.fail(
          explainRefusal(payload.error, this.source) ??
            `the Kafka consumer stopped: ${payload.error.message}`,
        );
      else this.metrics.lastError = `Kafka consumer restarting: ${payload.error.message}`;
    });
    await this.consumer.subscribe({ topics: [this.source.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1, // eachBatch only takes events: one at a time is enough
      eachBatch: (payload) => this.take(payload),
    });
    this.timers.push(
      setInterval(() => void this.assignment.commit(), this.options.commitIntervalMs ?? 500),
      setInterval(() => {
        this.rate.sample(this.metrics.counts.sent);
        this.backPressure();
      }, 1000),
      setInterval(() => void this.assignment.refreshEnds(this.admin), 5000),
    );
    for (const t of this.timers) t.unref();
  }

  /** eachBatch: takes the batch's events (admitted, or to the dead-letter topic), moves the fetch position. */
  private async take({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (this.stopping || this.dispatcher.stopped) return; // not resolved: read again by the next owner
    const first = batch.messages[0];
    const rewinds = this.assignment.rewinds;
    if (this.rebalancing) return; // the group is between generations: the next one reads from its commits
    const ledger = this.assignment.ledgerOf(batch.partition, Number(first?.offset ?? batch.lastOffset()));
    if ("seekTo" in ledger) {
      // Read again from the first event this process left undelivered: never past it.
      this.consumer.seek({
        topic: this.source.topic,
        partition: batch.partition,
        offset: String(ledger.seekTo),
      });
      return;
    }
    if (this.assignment.rewinds !== rewinds) this.pending.dropRevoked(); // read again: not sent twice from here
    ledger.highWatermark = Number(batch.highWatermark);
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const offset = Number(message.offset);
      ledger.take(offset);
      this.admitMessage(message, ledger, offset, batch.partition);
      resolveOffset(message.offset);
    }
    ledger.movedPast(Number(batch.lastOffset()));
    resolveOffset(batch.lastOffset());
    this.pump();
    try {
      await heartbeat();
    } catch (err) {
      // The group is rebalancing and this generation may still commit: finish what is in flight first.
      if ((err as { type?: string }).type === "REBALANCE_IN_PROGRESS") await this.revokeAll();
      throw err;
    }
  }

  private admitMessage(
    message: KafkaMessage,
    ledger: PartitionLedger,
    offset: number,
    partition: number,
  ): void {
    const admitted = admit(message.value?.toString("utf8") ?? "", this.sink);
    if (admitted === undefined) {
      ledger.settle(offset); // blank or tombstone: nothing to deliver
      return;
    }
    if ("reason" in admitted) {
      const source = { topic: this.source.topic, partition, offset };
      this.deadLetter(message.key, message.value ?? "", admitted, source, message.headers, ledger);
      return;
    }
    this.pending.push(new ForwardEvent(admitted, ledger, offset, message.key));
    this.metrics.counts.accepted++;
  }

  private deadLetter(
    key: Buffer | null,
    value: Buffer | string,
    why: { cause: DeadLetterCause; reason: string },
    source: { topic: string; partition: number; offset: number },
    headers: KafkaMessage["headers"],
    ledger: PartitionLedger,
  ): void {
    this.metrics.deadLettered(why.cause);
    const own = Object.fromEntries(Object.entries(headers ?? {}).filter(([, v]) => v !== undefined));
    this.deadLetters.add({
      key,
      value,
      headers: own,
      ...why,
      source,
      written: () => ledger.settle(source.offset),
    });
  }

  /** Starts as many batches as slots allow; a partial batch lingers up to lingerMs for company. */
  private pump(lingered = false): void {
    if (this.dispatcher.stopped) return;
    let now = lingered || this.stopping;
    while (this.dispatcher.hasSlot) {
      const batch = this.batcher.next(now);
      if (batch === undefined) break;
      now = this.stopping;
      this.pending.took(batch);
      void this.dispatcher
        .run(async () => this.settle(await this.sender.send(batch, this.settle)))
        .then(this.afterJob);
    }
    if (this.dispatcher.hasSlot && this.pending.length > 0) this.batcher.linger()?.then(this.afterLinger);
    this.backPressure();
  }

  private readonly afterLinger = (): void => this.pump(true);

  private readonly afterJob = (error: Error | undefined): void => {
    if (error) this.metrics.lastError = `internal error: ${error.message}`; // not settled: not committed
    this.pump();
  };

  /** Settled events free their offsets; dead ones go to the dead-letter topic first; parked ones go again. */
  private readonly settle = ({ sent, dead, parked, stop }: Settlement<ForwardEvent>): void => {
    if (sent.length === 0 && dead.length === 0 && parked.length === 0 && stop === undefined) return;
    for (const e of sent) e.ledger.settle(e.seq);
    this.metrics.sent(sent);
    for (const { event: e, cause, reason } of dead) {
      const source = { topic: this.source.topic, partition: e.ledger.partition, offset: e.seq };
      this.deadLetter(e.key, e.json, { cause, reason }, source, {}, e.ledger);
    }
    if (stop !== undefined) {
      this.halt(stop);
      return;
    }
    // Retry budget spent: Kafka is the buffer, so they wait their turn again (not for a revoked partition).
    if (parked.length > 0 && !this.dispatcher.stopped) this.pending.requeue(parked);
  };

  /** Pauses or resumes reading for the events held and the destination's state (reading.ts). */
  private backPressure(): void {
    const pending = this.pending;
    const assignment = this.assignment;
    this.reading.update({
      full: pending.full,
      low: pending.low,
      failing: this.sender.backingOff > 0 && !this.dispatcher.hasSlot,
      stopping: this.stopping,
      spanning: (n) => assignment.spanning(n),
      unsettledOf: (p) => assignment.unsettledOf(p),
    });
  }

  /**
   * The partitions' new generation starts from the group's commits: the ledgers held so far are
   * retired (they commit no more) and their queued events dropped (they will be read again).
   */
  private retire(): PartitionLedger[] {
    const old = this.assignment.retire();
    if (old.length === 0) return old;
    this.pending.dropRevoked();
    return old;
  }

  /**
   * Partitions taken away while this generation may still commit: batches in flight get up to
   * revokeDeadlineMs to finish, then what they acknowledged is committed; past the deadline they
   * are abandoned (nothing is committed past them: the next owner sends them again).
   */
  private revokeAll(): Promise<void> {
    this.revoking ??= (async () => {
      this.rebalancing = true;
      const old = this.retire();
      const deadline = Date.now() + (this.source.revokeDeadlineMs ?? 10_000);
      while (this.dispatcher.inFlight > 0 && Date.now() < deadline)
        await Promise.race([this.dispatcher.settled(), sleep(50, this.dispatcher.signal)]);
      await Promise.race([
        this.deadLetters.drained(),
        sleep(Math.max(0, deadline - Date.now()), this.dispatcher.signal),
      ]);
      // A commit the group refuses now is retried by kafkajs: it may not hold the rebalance longer.
      await Promise.race([
        this.assignment.commit(old),
        sleep(Math.max(0, deadline - Date.now()) + 2000, this.dispatcher.signal),
      ]);
    })().finally(() => (this.revoking = undefined));
    return this.revoking;
  }

  private halt(reason: string): void {
    this.dispatcher.halt(reason);
    this.reading.pause();
    this.end({ halted: reason });
  }

  private fail(reason: string): void {
    this.metrics.lastError = reason;
    this.halt(reason);
  }

  /**
   * Stops reading, delivers what was taken for up to drainMs (the dead-letter topic included),
   * commits what was acknowledged, leaves the group (its partitions go to the others at once).
   */
  async stop(drainMs: number): Promise<ForwardStatus> {
    this.stopping = true;
    this.reading.pause();
    const deadline = Date.now() + drainMs;
    this.pump();
    while (
      (this.pending.length > 0 || this.dispatcher.inFlight > 0) &&
      !this.dispatcher.stopped &&
      Date.now() < deadline
    ) {
      await Promise.race([this.dispatcher.settled(), sleep(50, this.dispatcher.signal)]);
      this.pump();
    }
    await Promise.race([
      this.deadLetters.drained(),
      sleep(Math.max(0, deadline - Date.now()), this.dispatcher.signal),
    ]);
    this.dispatcher.abort();
    await this.dispatcher.idle();
    await this.assignment.commit();
    await this.revoking;
    for (const t of this.timers) clearInterval(t);
    this.batcher.stop();
    const status = this.status();
    await this.consumer.disconnect().catch(() => {});
    await this.producer.disconnect().catch(() => {});
    await this.admin.disconnect().catch(() => {});
    await this.sink.close();
    this.end({ stopped: true });
    return status;
  }

  status(): ForwardStatus {
    const s = this.metrics.summary({ count: 0, bytes: 0 }, this.dispatcher.haltReason);
    const partitions = this.assignment.status();
    return {
      source: "kafka",
      topic: this.source.topic,
      group: this.source.group,
      destination: this.sink.name,
      received: s.accepted,
      delivered: s.sent,
      retried: s.retried,
      deadLettered: s.deadLettered,
      deadLetters: s.deadLetters,
      eventsPerSecond: this.rate.rate,
      queued: this.pending.length,
      inFlight: this.dispatcher.inFlight,
      paused: this.reading.paused,
      lag: partitions.reduce((n, p) => n + p.lag, 0),
      partitions,
      rebalances: this.assignment.rebalances,
      requests: s.requests,
      latencyMs: s.latencyMs,
      elapsedMs: s.elapsedMs,
      ...(s.halted ? { halted: s.halted } : {}),
      ...(s.lastError || this.assignment.commitError
        ? { lastError: this.assignment.commitError ?? s.lastError }
        : {}),
    };
  }
}
