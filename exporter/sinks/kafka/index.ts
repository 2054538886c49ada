/**
 * The `kafka` destination: kafkajs producer with SASL/PLAIN (as the Keytos guide requires), TLS
 * by default (plaintext SASL only when `allowPlaintext: true`, with a warning), idempotent with
 * acks=all and one request in flight, gzip, one sendBatch per batch, keyed per CA (or domain) so
 * one CA's events stay in order, headers source / sourcetype / event_id / record_id.
 * Credentials: KEYTOS_KAFKA_USERNAME / KEYTOS_KAFKA_PASSWORD (or the config file).
 */
import { CompressionTypes, Kafka, logLevel, type Producer } from "kafkajs";
import { toKafkaRecord } from "../../../components/kafka/shape";
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../../pipeline/sink";
import type { SinkOptions } from "../spec";
import type { KafkaSinkConfig } from "./spec";

export { type KafkaSinkConfig, kafkaSinkConfigSchema } from "./spec";

type KafkaError = Error & {
  type?: string;
  code?: number;
  retriable?: boolean;
  originalError?: KafkaError;
  cause?: KafkaError;
};

/** The innermost kafkajs error (retries wrap the protocol error). */
function root(err: KafkaError): KafkaError {
  let e = err;
  for (let i = 0; i < 5; i++) {
    const inner = e.originalError ?? e.cause;
    if (!inner) break;
    e = inner;
  }
  return e;
}

/** kafkajs errors of a connection that could not be made or was lost. */
const CONNECTION_ERRORS = new Set([
  "KafkaJSConnectionError",
  "KafkaJSBrokerNotFound",
  "KafkaJSRequestTimeoutError",
]);

/**
 * Auth, unknown topic and authorization failures are distinct, explained, and stop the run (the
 * events stay in the spool); a rejected record is dead-lettered; the rest is retried.
 */
export function classifyKafkaError(
  err: unknown,
  config: Pick<KafkaSinkConfig, "topic" | "bootstrapServers">,
  username: string,
): SendOutcome {
  const brokers = config.bootstrapServers;
  const outer = err as KafkaError;
  const e = root(outer);
  const said = `${e.name}: ${e.message}`;
  if (e.name === "KafkaJSSASLAuthenticationError" || outer.name === "KafkaJSSASLAuthenticationError") {
    return {
      kind: "stop",
      reason: `SASL/PLAIN authentication failed for user "${username}": check the username and password (${said})`,
    };
  }
  if (e.type === "UNKNOWN_TOPIC_OR_PARTITION") {
    return {
      kind: "stop",
      reason: `topic "${config.topic}" does not exist on the cluster (create it with the KafkaDestination component) (${said})`,
    };
  }
  if (e.type === "TOPIC_AUTHORIZATION_FAILED") {
    return {
      kind: "stop",
      reason: `User:${username} is not authorized to write to topic "${config.topic}": grant Write and Describe on it (${said})`,
    };
  }
  if (e.type === "CLUSTER_AUTHORIZATION_FAILED") {
    return {
      kind: "stop",
      reason: `User:${username} is not authorized to write to topic "${config.topic}" (cluster authorization failed for the idempotent producer): grant Write and Describe on the topic, or IdempotentWrite on the cluster before Kafka 3.0 (${said})`,
    };
  }
  if (e.type === "MESSAGE_TOO_LARGE" || e.type === "RECORD_LIST_TOO_LARGE")
    return { kind: "too-large", reason: said };
  if (e.type === "INVALID_RECORD" || e.type === "CORRUPT_MESSAGE") return { kind: "permanent", reason: said };
  if (CONNECTION_ERRORS.has(e.name) || CONNECTION_ERRORS.has(outer.name)) {
    return {
      kind: "retryable",
      reason: `cannot reach the brokers ${brokers.join(",")}: check bootstrapServers, the network and TLS (${said})`,
    };
  }
  return { kind: "retryable", reason: said };
}

export class KafkaSink
  implements Sink<{ key: string; value: string; headers: Record<string, string>; timestamp: string }[]>
{
  readonly name = "kafka";
  readonly limits: SinkLimits;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(
    private readonly config: KafkaSinkConfig,
    private readonly username: string,
    password: string,
    warn: (msg: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {
    const maxBatch = config.maxMessageBytes ?? 1_048_588;
    this.limits = {
      // Bounded in practice by the bytes below (~1,100 catalog events); kafkajs costs less per
      // event in bigger sendBatch calls (measured 13k ev/s at 500, 17k at 2,000).
      maxEventsPerRequest: 2000,
      maxBytesPerRequest: Math.floor(maxBatch * 0.9), // headroom for the record-batch framing
      maxBytesPerEvent: Math.floor(maxBatch * 0.9),
      maxInFlight: 1, // idempotent producer: one in flight keeps per-key order
    };
    if (config.allowPlaintext) {
      warn(
        `WARNING: Kafka SASL/PLAIN over a PLAINTEXT connection to ${config.bootstrapServers.join(",")} (allowPlaintext): the password and the audit events travel unencrypted. Use TLS outside test clusters.`,
      );
    }
    this.kafka = new Kafka({
      clientId: "keytos-siem",
      brokers: config.bootstrapServers,
      ssl: !config.allowPlaintext,
      sasl: { mechanism: "plain", username, password },
      logLevel: logLevel.NOTHING,
      connectionTimeout: 5000,
      retry: { retries: 2, initialRetryTime: 200 }, // the pipeline owns the long retries
    });
  }

  eventBytes(event: SinkEvent): number {
    return Buffer.byteLength(event.json) + 200; // key, headers and record overhead
  }

  encode(batch: readonly SinkEvent[]) {
    return batch.map((e) => {
      const r = toKafkaRecord(e.env, e.json);
      return { key: r.key, value: r.value, headers: { ...r.headers }, timestamp: r.timestamp };
    });
  }

  private async connect(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      try {
        await producer.connect();
      } catch (err) {
        this.connecting = undefined;
        throw err;
      }
      this.producer = producer;
      return producer;
    })();
    return this.connecting;
  }

  async send(messages: ReturnType<KafkaSink["encode"]>): Promise<SendOutcome> {
    try {
      const producer = await this.connect();
      await producer.sendBatch({
        topicMessages: [{ topic: this.config.topic, messages }],
        acks: -1,
        compression: CompressionTypes.GZIP,
      });
      return { kind: "ok" };
    } catch (err) {
      return classifyKafkaError(err, this.config, this.username);
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}

export function createKafkaSink(config: KafkaSinkConfig, opts: Pick<SinkOptions, "env">): Sink {
  const username = opts.env.KEYTOS_KAFKA_USERNAME ?? config.username;
  const password = opts.env.KEYTOS_KAFKA_PASSWORD ?? config.password;
  if (!username || !password) {
    throw new Error("no Kafka SASL credentials: export KEYTOS_KAFKA_USERNAME and KEYTOS_KAFKA_PASSWORD");
  }
  return new KafkaSink(config, username, password);
}
