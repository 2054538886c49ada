/**
 * Custom tables and the Data Collection Rule that feeds them, derived from the one table list in
 * tables.ts. Pure: the component passes these to azure-native, and the
 * tests check that every stream matches its table column for column (the `source` transform
 * passes rows through unchanged, so a mismatch would drop data at ingestion).
 */
import { type LogAnalyticsType, SENTINEL_TABLES, type SentinelTable } from "./tables";

export const TABLES: readonly SentinelTable[] = Object.values(SENTINEL_TABLES);

/** Name of the Log Analytics destination inside the DCR. */
export const DCR_DESTINATION = "workspace";

/** Stream column types DCRs accept (no guid; datetime spelled in lower case). */
export type StreamType = "string" | "int" | "long" | "real" | "boolean" | "datetime" | "dynamic";

export function streamTypeOf(type: LogAnalyticsType): StreamType {
  if (type === "dateTime") return "datetime";
  if (type === "guid") return "string";
  return type;
}

/** The Tables API schema of a custom table. */
export function tableSchema(table: SentinelTable) {
  return {
    name: table.name,
    description: `Keytos ${table.sourcetype} events (keytos-siem)`,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type, description: c.description })),
  };
}

export interface DcrBody<W = string> {
  description: string;
  streamDeclarations: Record<string, { columns: { name: string; type: StreamType }[] }>;
  destinations: { logAnalytics: { name: string; workspaceResourceId: W }[] };
  dataFlows: { streams: string[]; destinations: string[]; transformKql: string; outputStream: string }[];
}

/**
 * The DCR's properties: one stream declaration and one data flow per table. Generic in the
 * workspace id so the component can pass its Output (Pulumi resolves nested inputs).
 */
export function dcrBody<W>(workspaceResourceId: W, tables: readonly SentinelTable[] = TABLES): DcrBody<W> {
  return {
    description: "Keytos EZCA / EZMonitor audit events into Log Analytics custom tables (keytos-siem)",
    streamDeclarations: Object.fromEntries(
      tables.map((t) => [
        t.stream,
        { columns: t.columns.map((c) => ({ name: c.name, type: streamTypeOf(c.type) })) },
      ]),
    ),
    destinations: { logAnalytics: [{ name: DCR_DESTINATION, workspaceResourceId }] },
    dataFlows: tables.map((t) => ({
      streams: [t.stream],
      destinations: [DCR_DESTINATION],
      transformKql: "source",
      outputStream: t.stream,
    })),
  };
}
