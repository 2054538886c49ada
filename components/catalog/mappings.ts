/**
 * Per-destination shapes of one envelope. Pure functions: the exporter's sinks encode batches of
 * these, and the alert queries are written against exactly these shapes.
 */
import { configure } from "safe-stable-stringify";
import type { Envelope } from "./envelope";
import { SENTINEL_TABLES, type SentinelTable } from "./sentinel-tables";

/** JSON with sorted keys: byte-stable output for the same event (diffs, dedupe, golden tests). */
export const stableJson: (value: unknown) => string = (() => {
  const stringify = configure({ deterministic: true, bigint: false });
  return (value: unknown) => {
    const text = stringify(value);
    if (text === undefined) throw new TypeError("value is not JSON-serialisable");
    return text;
  };
})();

/** CloudWatch Logs: the envelope itself is the log message, so `$.source` / `$.event.EventID` match. */
export interface CloudWatchLogEvent {
  /** Milliseconds since epoch. */
  timestamp: number;
  message: string;
}

export function toCloudWatchEvent(env: Envelope): CloudWatchLogEvent {
  return { timestamp: Math.round(env.time * 1000), message: stableJson(env) };
}

/**
 * Datadog Logs intake v2 entry. Event attributes sit at the top level so `@EventID:4888` and
 * `@VulnerabilityID:18` match; `service` is the product so `service:EZCA` matches.
 */
export interface DatadogLog {
  ddsource: string;
  ddtags: string;
  hostname: string;
  service: "EZCA" | "EZMonitor";
  message: string;
  status: "error" | "warn" | "info";
  /** Milliseconds since epoch: Datadog's reserved date attribute. */
  timestamp: number;
  sourcetype: string;
  [attribute: string]: unknown;
}

const STATUS_BY_CRITICALITY = { High: "error", Medium: "warn", Low: "info" } as const;

export function toDatadogLog(env: Envelope): DatadogLog {
  const criticality = env.event.Criticality;
  const idTag =
    env.source === "EZCA" ? `event_id:${env.event.EventID}` : `vulnerability_id:${env.event.VulnerabilityID}`;
  return {
    ...env.event,
    ddsource: "keytos",
    ddtags: `product:${env.source.toLowerCase()},sourcetype:${env.sourcetype.toLowerCase()},${idTag}`,
    hostname: env.host,
    service: env.source,
    sourcetype: env.sourcetype,
    message: env.event.Summary ?? `${env.source} event`,
    status: criticality ? STATUS_BY_CRITICALITY[criticality] : "info",
    timestamp: Math.round(env.time * 1000),
  };
}

/** A row for one Log Analytics custom table, routed to that table's DCR stream. */
export interface SentinelRow {
  table: SentinelTable;
  row: Record<string, string | number | boolean | null>;
}

function pick(env: Envelope, from: string): unknown {
  if (!from.startsWith("event.")) return (env as unknown as Record<string, unknown>)[from];
  return (env.event as Record<string, unknown>)[from.slice("event.".length)];
}

export function toSentinelRow(env: Envelope): SentinelRow {
  const table = SENTINEL_TABLES[env.sourcetype];
  const row: SentinelRow["row"] = {};
  const mapped = new Set<string>();
  for (const column of table.columns) {
    if (column.from === "*") continue;
    if (column.from.startsWith("event.")) mapped.add(column.from.slice("event.".length));
    const value = pick(env, column.from);
    if (value === undefined) continue;
    if (column.type === "dateTime") row[column.name] = new Date(Number(value) * 1000).toISOString();
    else if (column.type === "real") row[column.name] = Number(value);
    else row[column.name] = String(value);
  }
  const extra = Object.fromEntries(Object.entries(env.event).filter(([key]) => !mapped.has(key)));
  if (Object.keys(extra).length > 0) row.AdditionalData_s = stableJson(extra);
  return { table, row };
}

/** A Kafka record. The key keeps one CA's (or one domain's) events in order on one partition. */
export interface KafkaRecord {
  key: string;
  value: string;
  headers: { source: string; sourcetype: string; event_id: string; record_id: string };
  /** Milliseconds since epoch, as kafkajs wants it (a string). */
  timestamp: string;
}

/** `json`: the envelope's JSON when the caller already has it (the exporter's spooled text). */
export function toKafkaRecord(env: Envelope, json?: string): KafkaRecord {
  const key =
    env.source === "EZCA"
      ? `EZCA/${env.event.CAId ?? env.event.CAName ?? env.host}`
      : `EZMonitor/${env.event.Domain ?? env.host}`;
  const id = env.source === "EZCA" ? env.event.EventID : env.event.VulnerabilityID;
  return {
    key,
    value: json ?? stableJson(env),
    headers: {
      source: env.source,
      sourcetype: env.sourcetype,
      event_id: String(id),
      record_id: env.event.RecordId,
    },
    timestamp: String(Math.round(env.time * 1000)),
  };
}
