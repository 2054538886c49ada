/** A row of one Log Analytics custom table, routed to that table's DCR stream. */
import type { Envelope } from "../catalog/envelope";
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

/** Typed columns as the table declares them; event fields no column maps go to AdditionalData_s. */
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
