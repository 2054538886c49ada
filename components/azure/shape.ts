/**
 * A row of one Log Analytics custom table, routed to that table's DCR stream. Fields no column
 * maps (event fields, and the sender's own top-level fields such as `meta`) travel together in
 * AdditionalData_s; a top-level field named like an event field cannot (azureConflict).
 */
import { type Envelope, envelopeExtras } from "../catalog/envelope";
import { stableJson } from "../catalog/json";
import { SENTINEL_TABLES, type SentinelTable } from "./tables";

export interface SentinelRow {
  table: SentinelTable;
  row: Record<string, string | number | boolean | null>;
}

function pick(env: Envelope, from: string): unknown {
  if (!from.startsWith("event.")) return (env as unknown as Record<string, unknown>)[from];
  return (env.event as Record<string, unknown>)[from.slice("event.".length)];
}

/** Why the envelope cannot become a row as sent (two fields for one AdditionalData_s key), if so. */
export function azureConflict(env: Envelope): string | undefined {
  for (const key of Object.keys(envelopeExtras(env))) {
    if (Object.hasOwn(env.event, key))
      return `top-level field "${key}" has the same name as the event field ${key}, and both would go to AdditionalData_s: rename one of them`;
  }
  return undefined;
}

/** Typed columns as the table declares them; fields no column maps go to AdditionalData_s. */
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
  const extra = {
    ...Object.fromEntries(Object.entries(env.event).filter(([key]) => !mapped.has(key))),
    ...envelopeExtras(env),
  };
  if (Object.keys(extra).length > 0) row.AdditionalData_s = stableJson(extra);
  return { table, row };
}
