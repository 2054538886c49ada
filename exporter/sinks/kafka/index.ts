/**
 * The `kafka` destination: records keyed per CA (or domain) so one CA's events stay in order,
 * headers source / sourcetype / event_id / record_id, SASL/PLAIN (as the Keytos guide requires),
 * TLS unless `allowPlaintext: true` (with a warning), idempotent with acks=all, gzip. Two engines
 * behind the same sink: kafkajs (pure JavaScript, always installed) and librdkafka
 * (@confluentinc/kafka-javascript, optional), chosen by `kafka.client`.
 * Credentials: KEYTOS_KAFKA_USERNAME / KEYTOS_KAFKA_PASSWORD (or the config file).
 */
import type { Sink } from "../../pipeline/sink";
import type { SinkOptions } from "../spec";
import { KafkajsSink } from "./kafkajs";
import { LibrdkafkaSink } from "./librdkafka";
import { loadLibrdkafka } from "./librdkafka-module";
import { DEFAULT_KAFKA_CLIENT, type KafkaSinkConfig } from "./spec";

export { classifyKafkaError } from "./kafkajs";
export { classifyLibrdkafkaError } from "./librdkafka-errors";
export { type KafkaSinkConfig, kafkaSinkConfigSchema } from "./spec";

export function createKafkaSink(
  config: KafkaSinkConfig,
  opts: Pick<SinkOptions, "env">,
  /** How the librdkafka engine's package is loaded (tests: as if it were missing). */
  load?: () => unknown,
): Sink {
  const username = opts.env.KEYTOS_KAFKA_USERNAME ?? config.username;
  const password = opts.env.KEYTOS_KAFKA_PASSWORD ?? config.password;
  if (!username || !password) {
    throw new Error("no Kafka SASL credentials: export KEYTOS_KAFKA_USERNAME and KEYTOS_KAFKA_PASSWORD");
  }
  return (config.client ?? DEFAULT_KAFKA_CLIENT) === "librdkafka"
    ? new LibrdkafkaSink(loadLibrdkafka(load), config, username, password)
    : new KafkajsSink(config, username, password);
}
