/** What both Kafka engines derive from the send config alike: request limits and the plaintext warning. */
import type { SinkLimits } from "../../pipeline/sink";
import type { KafkaSinkConfig } from "./spec";

export type KafkaTarget = Pick<KafkaSinkConfig, "topic" | "bootstrapServers">;

/** Kafka's default max.message.bytes: the largest record batch a topic accepts. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Limits bounded by the topic's max.message.bytes, with headroom for the record-batch framing. */
export function kafkaLimits(
  config: Pick<KafkaSinkConfig, "maxMessageBytes">,
  engine: Pick<SinkLimits, "maxEventsPerRequest" | "maxInFlight"> & { maxBytesPerRequest?: number },
): SinkLimits {
  const batch = Math.floor((config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES) * 0.9);
  return {
    maxEventsPerRequest: engine.maxEventsPerRequest,
    maxBytesPerRequest: engine.maxBytesPerRequest ?? batch,
    maxBytesPerEvent: batch,
    ...(engine.maxInFlight ? { maxInFlight: engine.maxInFlight } : {}),
  };
}

export const plaintextWarning = (config: KafkaTarget) =>
  `WARNING: Kafka SASL/PLAIN over a PLAINTEXT connection to ${config.bootstrapServers.join(",")} (allowPlaintext): the password and the audit events travel unencrypted. Use TLS outside test clusters.`;
