/** What both Kafka engines share: request limits, the plaintext warning, the records' metadata. */
import { type KafkaRecord, toKafkaRecord } from "../../../components/kafka/shape";
import type { SinkEvent, SinkLimits } from "../../pipeline/sink";
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

/** A record without its value, which is the event's spooled JSON. */
export type RecordMeta = Omit<KafkaRecord, "value">;

/**
 * The record's key, headers and timestamp, made once at the door (shaped): the events waiting to
 * be produced then hold these few strings instead of their parsed envelopes (needsEnvelope false).
 */
export function recordMeta(event: SinkEvent): RecordMeta {
  if (event.shaped === undefined) {
    const { value: _, ...meta } = toKafkaRecord(event.env, event.json);
    event.shaped = meta;
  }
  return event.shaped as RecordMeta;
}
