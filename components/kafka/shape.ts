/**
 * A Kafka record. The key keeps one CA's (or one domain's) events in order on one partition;
 * headers carry source, sourcetype and the ids so consumers can route without parsing.
 */
import { type Envelope, envelopeId } from "../catalog/envelope";
import { stableJson } from "../catalog/json";
import { PRODUCT_FACTS } from "../catalog/products";

export interface KafkaRecord {
  key: string;
  value: string;
  headers: { source: string; sourcetype: string; event_id: string; record_id: string };
  /** Milliseconds since epoch, as kafkajs wants it (a string). */
  timestamp: string;
}

/** `json`: the envelope's JSON when the caller already has it (the exporter's spooled text). */
export function toKafkaRecord(env: Envelope, json?: string): KafkaRecord {
  const event = env.event as Record<string, unknown>;
  const group = PRODUCT_FACTS[env.source].orderingFields
    .map((f) => event[f])
    .find((v) => v !== undefined && v !== null);
  return {
    key: `${env.source}/${group ?? env.host}`,
    value: json ?? stableJson(env),
    headers: {
      source: env.source,
      sourcetype: env.sourcetype,
      event_id: String(envelopeId(env)),
      record_id: env.event.RecordId,
    },
    timestamp: String(Math.round(env.time * 1000)),
  };
}
