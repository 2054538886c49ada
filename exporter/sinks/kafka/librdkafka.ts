/**
 * The `kafka` sink on librdkafka (@confluentinc/kafka-javascript, an optional dependency): the
 * same producer settings as the kafkajs engine (SASL/PLAIN, TLS unless allowPlaintext,
 * idempotent, acks=all, gzip, no topic auto-creation), the same records and the same refusals.
 * A batch is produced record by record into librdkafka's queue (its threads build, compress and
 * send the record batches) and settled by the records' delivery reports.
 */
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../../pipeline/sink";
import { classifyLibrdkafkaError, fatalCause } from "./librdkafka-errors";
import { RdCode, type RdError, type RdKafka, type RdLog, type RdProducer } from "./librdkafka-module";
import { DEFAULT_MAX_MESSAGE_BYTES, kafkaLimits, plaintextWarning, recordMeta } from "./settings";
import type { KafkaSinkConfig } from "./spec";

/** How long connecting (bootstrap, SASL, first metadata) may take before it is retried. */
const CONNECT_TIMEOUT_MS = 5000;
/**
 * librdkafka retries a queued record in memory this long, then reports it failed and the
 * pipeline's durable retries take over (records already sent wait for the broker: idempotence).
 */
const MESSAGE_TIMEOUT_MS = 10_000;

/** One batch's delivery reports, counted down; the records that failed, by index. */
class Deliveries {
  readonly failed: { index: number; error: RdError }[] = [];
  readonly done: Promise<void>;
  private left: number;
  private finish!: () => void;

  constructor(count: number) {
    this.left = count;
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    if (count === 0) this.finish();
  }

  report(index: number, error: RdError | null | undefined): void {
    if (error) this.failed.push({ index, error });
    if (--this.left === 0) this.finish();
  }
}

/** The opaque value a record carries to its delivery report. */
type Slot = { deliveries: Deliveries; index: number };

/** Resolves when the signal aborts; `off` removes the listener (the signal outlives the request). */
function aborted(signal: AbortSignal): { promise: Promise<"aborted">; off: () => void } {
  let off = () => {};
  const promise = new Promise<"aborted">((resolve) => {
    if (signal.aborted) return resolve("aborted");
    const on = () => resolve("aborted");
    signal.addEventListener("abort", on, { once: true });
    off = () => signal.removeEventListener("abort", on);
  });
  return { promise, off };
}

/** The producer's settings: the kafkajs engine's (see the header), in librdkafka's names. */
export function librdkafkaConf(
  config: KafkaSinkConfig,
  username: string,
  password: string,
): Record<string, string | number | boolean> {
  const maxMessageBytes = config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return {
    "client.id": "keytos-siem",
    "bootstrap.servers": config.bootstrapServers.join(","),
    "security.protocol": config.allowPlaintext ? "sasl_plaintext" : "sasl_ssl",
    "sasl.mechanisms": "PLAIN",
    "sasl.username": username,
    "sasl.password": password,
    "enable.idempotence": true,
    acks: -1,
    "compression.codec": "gzip",
    "allow.auto.create.topics": false,
    // A record batch must fit the topic's max.message.bytes even if it does not compress; a
    // record as large as the topic accepts must pass librdkafka's own bound.
    "batch.size": Math.min(1_000_000, Math.floor(maxMessageBytes * 0.9)),
    "message.max.bytes": Math.max(1_000_000, maxMessageBytes),
    "socket.connection.setup.timeout.ms": CONNECT_TIMEOUT_MS,
    "message.timeout.ms": MESSAGE_TIMEOUT_MS,
    // A topic absent from the metadata this long fails as unknown (stop), before the timeout above.
    "topic.metadata.propagation.max.ms": 5000,
    log_level: 4,
    dr_cb: true,
  };
}

export class LibrdkafkaSink implements Sink<readonly SinkEvent[]> {
  readonly name = "kafka";
  readonly limits: SinkLimits;
  private readonly conf: Record<string, string | number | boolean>;
  private producer: RdProducer | undefined;
  private connecting: Promise<RdProducer> | undefined;
  /** Producers given up on (a failed connect, a fatal error), until their teardown ends. */
  private readonly retiring = new Set<Promise<void>>();
  private readonly headers = new Map<string, Record<string, string>>();
  /** The last authentication failure librdkafka logged (it is not an error event). */
  private authFailure: RdError | undefined;
  /** Why the producer became unusable (ERR__FATAL), as librdkafka reported it. */
  private fatalCause: RdError | undefined;

  constructor(
    private readonly lib: RdKafka,
    private readonly config: KafkaSinkConfig,
    private readonly username: string,
    password: string,
    warn: (msg: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {
    // librdkafka cuts its own record batches, so a request is only how many records are produced
    // before their delivery reports are awaited: large enough to keep its threads busy while the
    // next is produced, small enough that the events held for retries stay few (the queue holds a
    // request per sender plus one). Swapped in turn, 100,000 events, same CPU seconds (2.9-3.1);
    // peak RSS 10,000 x 2 208-278 MiB, 5,000 x 2 166-196 MiB (see test/bench/kafka.ts).
    // librdkafka keeps their order (idempotence); pipeline.maxInFlight: 1 keeps it across retries.
    this.limits = kafkaLimits(config, {
      maxEventsPerRequest: 5_000,
      maxBytesPerRequest: 8 * 2 ** 20,
      maxInFlight: 2,
    });
    if (config.allowPlaintext) warn(plaintextWarning(config));
    this.conf = librdkafkaConf(config, username, password);
  }

  readonly needsEnvelope = false; // records are made from the metadata shaped at the door

  eventBytes(event: SinkEvent): number {
    recordMeta(event);
    return Buffer.byteLength(event.json) + 200; // key, headers and record overhead
  }

  /** Records are made as they are produced (librdkafka copies each): nothing held per batch. */
  encode(batch: readonly SinkEvent[]): readonly SinkEvent[] {
    return batch;
  }

  async send(
    events: readonly SinkEvent[],
    _batch: readonly SinkEvent[],
    signal: AbortSignal,
  ): Promise<SendOutcome> {
    let producer: RdProducer;
    try {
      producer = await this.connect();
    } catch (err) {
      return this.classify(err as RdError);
    }
    const deliveries = new Deliveries(events.length);
    const topic = this.config.topic;
    for (let index = 0; index < events.length; index++) {
      const e = events[index] as SinkEvent;
      const r = recordMeta(e);
      const h = r.headers;
      const headers = [
        this.header("source", h.source),
        this.header("sourcetype", h.sourcetype),
        { event_id: h.event_id },
        { record_id: h.record_id },
      ];
      const slot: Slot = { deliveries, index };
      try {
        producer.produce(topic, null, Buffer.from(e.json), r.key, Number(r.timestamp), slot, headers);
      } catch (err) {
        deliveries.report(index, err as RdError); // not queued: no report will come
      }
    }
    const stop = aborted(signal);
    const ended = await Promise.race([deliveries.done, stop.promise]);
    stop.off();
    // Records still queued may be delivered later: the batch is sent again (at least once).
    if (ended === "aborted")
      return { kind: "retryable", reason: "no delivery report before the request timeout" };
    return this.outcome(deliveries.failed, events.length);
  }

  /** A header of few values (source, sourcetype), made once: librdkafka only reads it. */
  private header(name: string, value: string): Record<string, string> {
    const key = `${name}\u0000${value}`;
    let h = this.headers.get(key);
    if (!h) {
      h = { [name]: value };
      if (this.headers.size < 64) this.headers.set(key, h);
    }
    return h;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) this.retire(producer);
    await Promise.all(this.retiring);
  }

  private classify(err: RdError): SendOutcome {
    if (err.code === RdCode.ERR__FATAL && this.producer) this.retire(this.producer); // unusable now
    // A connection that never came up, or records that timed out, after a refused login: the login.
    const cause =
      this.authFailure &&
      (err.code === RdCode.ERR__TRANSPORT ||
        err.code === RdCode.ERR__TIMED_OUT ||
        err.code === RdCode.ERR__MSG_TIMED_OUT)
        ? this.authFailure
        : err;
    return classifyLibrdkafkaError(cause, this.config, this.username, this.fatalCause);
  }

  /**
   * One outcome for the batch. A refusal stops it whole. A record batch the broker found too
   * large fails every record in it: the pipeline halves the batch until the culprit is alone
   * (and dead-lettered), as with kafkajs. Otherwise the failed records, by index.
   */
  private outcome(failed: { index: number; error: RdError }[], count: number): SendOutcome {
    if (failed.length === 0) {
      this.authFailure = undefined;
      return { kind: "ok" };
    }
    const rejected = failed.map((f) => ({ index: f.index, outcome: this.classify(f.error) }));
    const decisive = rejected.find((r) => r.outcome.kind === "stop" || r.outcome.kind === "too-large");
    if (decisive) return decisive.outcome;
    const first = (rejected[0] as (typeof rejected)[number]).outcome as SendOutcome & { reason: string };
    const retryable = (o: SendOutcome) => o.kind === "retryable";
    if (failed.length === count && rejected.every((r) => retryable(r.outcome) === retryable(first)))
      return retryable(first) ? first : { kind: "permanent", reason: first.reason };
    return {
      kind: "partial",
      rejected: rejected.map(({ index, outcome }) => ({
        index,
        reason: (outcome as { reason: string }).reason,
        retryable: retryable(outcome),
      })),
    };
  }

  private connect(): Promise<RdProducer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= new Promise<RdProducer>((resolve, reject) => {
      const producer = new this.lib.Producer(this.conf, {});
      let settled = false;
      let tornDown!: () => void;
      const teardown = new Promise<void>((r) => {
        tornDown = r;
      });
      const fail = (err: RdError) => {
        if (settled) return;
        settled = true;
        this.connecting = undefined;
        this.retiring.add(teardown);
        void teardown.then(() => this.retiring.delete(teardown));
        reject(err);
      };
      producer.on("event.log", (log: RdLog) => {
        const failure = this.onLog(log);
        if (failure) fail(failure); // a refused login: no need to wait for the connect timeout
      });
      producer.on("delivery-report", (err, report) => {
        const slot = report.opaque as Slot;
        slot.deliveries.report(slot.index, err);
      });
      // A failed connect is torn down by the library before this callback.
      producer.connect({ timeout: CONNECT_TIMEOUT_MS }, (err) => {
        if (err) {
          fail(this.authFailure ?? err);
          return tornDown();
        }
        if (settled) return this.retire(producer, tornDown); // given up on meanwhile
        settled = true;
        producer.setPollInBackground(true); // delivery reports without a poll timer
        this.connecting = undefined;
        this.producer = producer;
        resolve(producer);
      });
    });
    return this.connecting;
  }

  /** librdkafka logs a refused SASL login (no error event): remembered, it is the run's cause. */
  private onLog(log: RdLog): RdError | undefined {
    const message = log.message.replace(/^\[thrd:[^\]]*\]: /, "");
    if (log.fac === "FATAL") this.fatalCause ??= fatalCause(message);
    if (log.severity > 3 || !/SASL authentication error/.test(message)) return undefined;
    this.authFailure = Object.assign(new Error(message), { code: RdCode.ERR__AUTHENTICATION });
    return this.authFailure;
  }

  /** Disconnects a producer in the background; close() waits for it. */
  private retire(producer: RdProducer, then: () => void = () => {}): void {
    if (this.producer === producer) this.producer = undefined;
    const done = new Promise<void>((resolve) => producer.disconnect(5000, () => resolve())).then(then);
    this.retiring.add(done);
    void done.then(() => this.retiring.delete(done));
  }
}
