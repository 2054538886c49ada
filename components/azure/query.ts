/**
 * Sentinel / Log Analytics KQL for catalog events, in the guide's shape:
 *   EZCA_Certificates_CL
 *   | where EventID_d == 4888
 * EZMonitor alerts live in their own table and filter on VulnerabilityID_d.
 */
import { type CatalogEvent, sourcetypeOf } from "../catalog/events";
import type { Severity } from "../policy/schema";
import { SENTINEL_TABLES, type SentinelTable } from "./tables";

export function sentinelTableFor(event: Pick<CatalogEvent, "product" | "category">): SentinelTable {
  return SENTINEL_TABLES[sourcetypeOf(event)];
}

export function sentinelKql(event: Pick<CatalogEvent, "product" | "category" | "id">): string {
  if (!Number.isInteger(event.id) || event.id <= 0) {
    throw new RangeError(`event id must be a positive integer, got ${event.id}`);
  }
  const table = sentinelTableFor(event);
  return `${table.name}\n| where ${table.idColumn} == ${event.id}`;
}

/** ISO 8601 duration for a whole number of minutes, as Sentinel's queryFrequency/queryPeriod want. */
export function isoDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `P${seconds / 86400}D`;
  if (seconds % 3600 === 0) return `PT${seconds / 3600}H`;
  return `PT${seconds / 60}M`;
}

/** Sentinel alert-rule severity for a policy severity. */
export function sentinelSeverity(severity: Severity): "High" | "Medium" | "Low" | "Informational" {
  return ({ high: "High", medium: "Medium", low: "Low", informational: "Informational" } as const)[severity];
}

/** Seconds in an ISO 8601 duration as isoDuration writes them (PnD, PTnH, PTnM and combinations). */
export function isoDurationSeconds(iso: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!m || iso === "P" || iso.endsWith("T"))
    throw new RangeError(`"${iso}" is not an ISO 8601 duration in days, hours, minutes`);
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60;
}

/** The filter of a rule query in the guide's shape (`Table | where Column == 123`), parsed. */
export function parseSentinelKql(kql: string): { table: string; column: string; value: number } | undefined {
  const m = /^\s*(\w+)\s*\|\s*where\s+(\w+)\s*==\s*(\d+)\s*$/.exec(kql);
  return m ? { table: m[1] as string, column: m[2] as string, value: Number(m[3]) } : undefined;
}
