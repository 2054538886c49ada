/**
 * @confluentinc/kafka-javascript as the librdkafka engine uses it: loaded on demand with one
 * clear line when it is missing or not built for this Node, and typed here (only what is used)
 * so the project typechecks without the optional dependency.
 */

export interface RdError extends Error {
  code: number;
}

export interface RdLog {
  severity: number;
  fac: string;
  message: string;
}

export interface RdProducer {
  connect(options: { timeout: number }, done: (err: RdError | null) => void): void;
  produce(
    topic: string,
    partition: null,
    value: Buffer,
    key: string,
    timestamp: number,
    opaque: unknown,
    headers: Record<string, string>[],
  ): void;
  setPollInBackground(on: boolean): void;
  disconnect(flushTimeoutMs: number, done: () => void): void;
  on(event: "event.log", listener: (log: RdLog) => void): void;
  on(event: "delivery-report", listener: (err: RdError | null, report: { opaque: unknown }) => void): void;
}

export interface RdKafka {
  Producer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => RdProducer;
  librdkafkaVersion: string;
}

/** librdkafka's error codes (rdkafka.h) that the sink tells apart. */
export const RdCode = {
  ERR__FATAL: -150,
  ERR__AUTHENTICATION: -169,
  ERR__UNKNOWN_TOPIC: -188,
  ERR__ALL_BROKERS_DOWN: -187,
  ERR__TIMED_OUT: -185,
  ERR__RESOLVE: -193,
  ERR__MSG_TIMED_OUT: -192,
  ERR__TRANSPORT: -195,
  ERR_CORRUPT_MESSAGE: 2,
  ERR_UNKNOWN_TOPIC_OR_PART: 3,
  ERR_MSG_SIZE_TOO_LARGE: 10,
  ERR_RECORD_LIST_TOO_LARGE: 18,
  ERR_TOPIC_AUTHORIZATION_FAILED: 29,
  ERR_CLUSTER_AUTHORIZATION_FAILED: 31,
  ERR_SASL_AUTHENTICATION_FAILED: 58,
  ERR_INVALID_RECORD: 87,
} as const;

export const LIBRDKAFKA_PACKAGE = "@confluentinc/kafka-javascript";

/** How to get the engine: npm fetches a prebuilt binary, or builds it (Linux: these libraries). */
const INSTALL = `npm install ${LIBRDKAFKA_PACKAGE} (where no prebuilt binary can be fetched it builds from source: apt-get install build-essential python3 libzstd-dev libsasl2-dev libcurl4-openssl-dev liblz4-dev, then CKJS_LINKING=dynamic npm install ${LIBRDKAFKA_PACKAGE})`;

/** Loads the engine's package, or throws one line naming kafka.client, the cause and the fix. */
export function loadLibrdkafka(load: () => unknown = () => require(LIBRDKAFKA_PACKAGE)): RdKafka {
  try {
    return load() as RdKafka;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const message = e.message ?? String(err);
    if (e.code === "MODULE_NOT_FOUND" && message.includes(LIBRDKAFKA_PACKAGE)) {
      throw new Error(
        `kafka.client is librdkafka, but its package ${LIBRDKAFKA_PACKAGE} (an optional dependency) is not installed: ${INSTALL}, or set kafka.client: kafkajs`,
      );
    }
    if (e.code === "ERR_DLOPEN_FAILED" || /Could not locate the bindings file/.test(message)) {
      const why = message
        .replace(/\s+/g, " ")
        .replace(/ Please .*$/, "")
        .trim();
      throw new Error(
        `kafka.client is librdkafka, but ${LIBRDKAFKA_PACKAGE}'s native module does not load in Node ${process.version} (${why}): rebuild it with CKJS_LINKING=dynamic npm rebuild ${LIBRDKAFKA_PACKAGE}, or set kafka.client: kafkajs`,
      );
    }
    throw err;
  }
}
