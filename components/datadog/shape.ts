/**
 * Datadog Logs intake v2 entry. Event attributes sit at the top level so `@EventID:4888` and
 * `@VulnerabilityID:18` match; `service` is the product so `service:EZCA` matches. The log's
 * `message` is the event's summary and its `status` follows the event's criticality (the
 * event's own fields, else the catalog's), so the Log Explorer's status facet sorts them. The
 * sender's own top-level envelope fields (e.g. `meta`) are attributes too (`@meta.tenant`); one
 * that would overwrite an event attribute or a reserved one cannot be stored as sent
 * (datadogConflict).
 */
import type { Envelope } from "../catalog/envelope";
import { envelopeExtras, envelopeId, eventFacts } from "../catalog/envelope";
import type { Criticality } from "../catalog/events";
import { PRODUCT_FACTS } from "../catalog/products";

export interface DatadogLog {
  ddsource: string;
  ddtags: string;
  hostname: string;
  service: "EZCA" | "EZMonitor";
  message: string;
  status: DatadogStatus;
  /** Milliseconds since epoch: Datadog's reserved date attribute. */
  timestamp: number;
  sourcetype: string;
  [attribute: string]: unknown;
}

/**
 * Datadog's log status values (severity, as syslog's: emerg 0 ... debug 7, plus ok), as the Log
 * Status Remapper documents them (docs.datadoghq.com/logs/log_configuration/processors/log_status_remapper).
 */
export type DatadogStatus =
  | "emerg"
  | "alert"
  | "critical"
  | "error"
  | "warn"
  | "notice"
  | "info"
  | "debug"
  | "ok";

/**
 * Criticality -> status. High events are the ones a responder acts on now (error, as an alert
 * would be); Medium deserve a look the same day (warn); Low are normal but significant audit
 * events (notice, syslog's "normal but significant condition"), kept above routine info logs.
 * An event the catalog does not know, without a Criticality, is info.
 */
export const DATADOG_STATUS_BY_CRITICALITY: Readonly<Record<Criticality, DatadogStatus>> = {
  High: "error",
  Medium: "warn",
  Low: "notice",
};

/** The attributes toDatadogLog sets itself. */
const RESERVED = new Set([
  "ddsource",
  "ddtags",
  "hostname",
  "service",
  "sourcetype",
  "message",
  "status",
  "timestamp",
]);

/** Why the envelope cannot become a Datadog log as sent (a top-level field that would overwrite another), if so. */
export function datadogConflict(env: Envelope): string | undefined {
  for (const key of Object.keys(envelopeExtras(env))) {
    if (RESERVED.has(key))
      return `top-level field "${key}" would overwrite Datadog's reserved attribute ${key}: rename it or move it under "event"`;
    if (Object.hasOwn(env.event, key))
      return `top-level field "${key}" would overwrite the event's attribute ${key} (both are top-level attributes in Datadog): rename one of them`;
  }
  return undefined;
}

/** The attributes toDatadogLog sets itself, in their order. */
function ownAttributes(env: Envelope) {
  const { summary, criticality } = eventFacts(env);
  const idTag = `${PRODUCT_FACTS[env.source].idTag}:${envelopeId(env)}`;
  return {
    ddsource: "keytos",
    ddtags: `product:${env.source.toLowerCase()},sourcetype:${env.sourcetype.toLowerCase()},${idTag}`,
    hostname: env.host,
    service: env.source,
    sourcetype: env.sourcetype,
    message: summary,
    status: criticality ? DATADOG_STATUS_BY_CRITICALITY[criticality] : "info",
    timestamp: Math.round(env.time * 1000),
  } satisfies Partial<DatadogLog>;
}

/**
 * The event's log. Built from its parts (the attributes set here as an object of their own, then
 * spread): half the time of one literal with every attribute after the spreads (1.4-1.6 against
 * 2-3 µs per event with JSON.stringify, measured), the same log.
 */
export function toDatadogLog(env: Envelope): DatadogLog {
  return { ...env.event, ...envelopeExtras(env), ...ownAttributes(env) };
}
