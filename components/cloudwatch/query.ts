/**
 * CloudWatch Logs metric-filter patterns and metric names for catalog events, in the guides'
 * exact shapes:
 *   EZCA       { $.event.EventID = 4888 && $.source = "EZCA" }
 *   EZMonitor  { $.source = "EZMonitor" && $.sourcetype = "EZMonitor_Alerts" && $.event.VulnerabilityID = 18 }
 * Pure functions, no Pulumi: the policy compiler and the smoke test use them.
 */
import type { Product } from "../catalog/events";

/** Namespace of the metrics the filters publish, unless the policy names another. */
export const DEFAULT_METRIC_NAMESPACE = "KeytosSIEM";

export function cloudWatchFilterPattern(product: Product, id: number): string {
  if (!Number.isInteger(id) || id <= 0)
    throw new RangeError(`event id must be a positive integer, got ${id}`);
  return product === "EZCA"
    ? `{ $.event.EventID = ${id} && $.source = "EZCA" }`
    : `{ $.source = "EZMonitor" && $.sourcetype = "EZMonitor_Alerts" && $.event.VulnerabilityID = ${id} }`;
}

/** Metric name per event, e.g. `EZCA-4888`, `EZMonitor-18` (unique per (product, id)). */
export function cloudWatchMetricName(product: Product, id: number): string {
  return `${product}-${id}`;
}

/** Metric namespaces: 1-255 chars of letters, digits, `.-_/#:` and spaces, not starting with `AWS/`. */
export function checkMetricNamespace(namespace: string): string | undefined {
  if (namespace.length < 1 || namespace.length > 255) return "must be 1 to 255 characters";
  if (namespace.startsWith("AWS/")) return 'must not start with "AWS/" (reserved for AWS services)';
  if (!/^[A-Za-z0-9.\-_/#: ]+$/.test(namespace))
    return "may contain only letters, digits, spaces and . - _ / # :";
  return undefined;
}
