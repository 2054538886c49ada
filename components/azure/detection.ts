/**
 * Custom detections as KQL over the Log Analytics tables (tables.ts): the detection's sourcetype
 * or source (when it pins one) picks the tables, else every table holding its fields (a union);
 * fields become their columns (User -> User_s, EventID -> EventID_d). Text compares with =~,
 * contains, startswith, endswith: case-insensitive, as Sigma. A field no table has as a column is
 * refused (it travels in AdditionalData_s).
 */
import type { DetectionCompiler, DetectionResult, Expr } from "../policy/detection";
import { SENTINEL_TABLES, type SentinelTable } from "./tables";

const OPS = { eq: "=~", contains: "contains", startswith: "startswith", endswith: "endswith" };

function columnOf(field: string): string {
  const from = ["source", "sourcetype", "host"].includes(field) ? field : `event.${field}`;
  const col = Object.values(SENTINEL_TABLES)
    .flatMap((t) => t.columns)
    .find((c) => c.from === from);
  if (!col)
    throw new Error(
      `azure cannot express ${field}: no table has a column for it (it travels in AdditionalData_s)`,
    );
  return col.name;
}

function fieldsOf(e: Expr): string[] {
  if (e.kind === "match") return [e.field];
  return e.kind === "not" ? fieldsOf(e.item) : e.items.flatMap(fieldsOf);
}

/** The tables a detection can match: those its top-level sourcetype/source equality allows, holding its fields. */
function tablesOf(e: Expr): SentinelTable[] {
  const pinned = (e.kind === "and" ? e.items : [e]).filter(
    (m) =>
      m.kind === "match" && m.op === "eq" && !m.all && (m.field === "sourcetype" || m.field === "source"),
  ) as Extract<Expr, { kind: "match" }>[];
  const fields = fieldsOf(e);
  return Object.values(SENTINEL_TABLES).filter(
    (t) =>
      pinned.every((m) =>
        m.values.some(
          (v) =>
            String(v).toLowerCase() ===
            (m.field === "source" ? t.sourcetype.split("_")[0] : t.sourcetype)?.toLowerCase(),
        ),
      ) && fields.every((f) => t.columns.some((c) => c.name === columnOf(f))),
  );
}

function where(e: Expr): string {
  if (e.kind === "not") return `not(${where(e.item)})`;
  if (e.kind !== "match") {
    const parts = e.items.map(where);
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(e.kind === "and" ? " and " : " or ")})`;
  }
  const col = columnOf(e.field);
  const terms = e.values.map((v) =>
    typeof v === "number" ? `${col} == ${v}` : `${col} ${OPS[e.op]} ${JSON.stringify(v)}`,
  );
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(e.all ? " and " : " or ")})`;
}

export const azureDetection: DetectionCompiler = (expr): DetectionResult => {
  try {
    const tables = tablesOf(expr);
    if (tables.length === 0)
      return { unsupported: "azure: no table holds every field this detection names for its sourcetype" };
    const from =
      tables.length === 1
        ? (tables[0] as SentinelTable).name
        : `union ${tables.map((t) => t.name).join(", ")}`;
    return { query: `${from}\n| where ${where(expr)}` };
  } catch (err) {
    return { unsupported: (err as Error).message };
  }
};

/** The tables a detection's KQL reads (its first line: a table, or `union a, b`), comma-separated. */
export const detectionTables = (kql: string): string => (kql.split("\n")[0] as string).replace(/^union /, "");
