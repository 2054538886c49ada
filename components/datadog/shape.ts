/**
 * Datadog Logs intake v2 entry. Event attributes sit at the top level so `@EventID:4888` and
 * `@VulnerabilityID:18` match; `service` is the product so `service:EZCA` matches. The sender's
 * own top-level envelope fields (e.g. `meta`) are attributes too (`@meta.tenant`); one that
 * would overwrite an event attribute or a reserved one cannot be stored as sent (datadogConflict).
 */
import type { Envelope } from "../catalog/envelope";
import { envelopeExtras, envelopeId } from "../catalog/envelope";
import { PRODUCT_FACTS } from "../catalog/products";

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

export function toDatadogLog(env: Envelope): DatadogLog {
  const criticality = env.event.Criticality;
  const idTag = `${PRODUCT_FACTS[env.source].idTag}:${envelopeId(env)}`;
  return {
    ...env.event,
    ...envelopeExtras(env),
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
