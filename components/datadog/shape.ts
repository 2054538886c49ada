/**
 * Datadog Logs intake v2 entry. Event attributes sit at the top level so `@EventID:4888` and
 * `@VulnerabilityID:18` match; `service` is the product so `service:EZCA` matches.
 */
import type { Envelope } from "../catalog/envelope";
import { envelopeId } from "../catalog/envelope";
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

export function toDatadogLog(env: Envelope): DatadogLog {
  const criticality = env.event.Criticality;
  const idTag = `${PRODUCT_FACTS[env.source].idTag}:${envelopeId(env)}`;
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
