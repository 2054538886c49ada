/**
 * Custom detections as SPL over the events HEC indexed: source, sourcetype and host are Splunk's
 * default fields, every other field the event's JSON as Splunk extracts it at search time. Values
 * compare case-insensitively, as Sigma's do; contains / startswith / endswith become `*`
 * wildcards. `NOT f="v"` also matches events without the field, as Sigma's not does (`f!="v"`
 * would not). SPL binds OR tighter than AND, so every group is parenthesised.
 */
import type { DetectionCompiler, Expr } from "../policy/detection";

const WILD = {
  eq: (v: string) => v,
  contains: (v: string) => `*${v}*`,
  startswith: (v: string) => `${v}*`,
  endswith: (v: string) => `*${v}`,
};

const quoted = (v: string) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;

function spl(e: Expr): string {
  if (e.kind === "not") return `NOT ${spl(e.item)}`;
  if (e.kind !== "match") {
    const parts = e.items.map(spl);
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(e.kind === "and" ? " AND " : " OR ")})`;
  }
  const terms = e.values.map((v) => `${e.field}=${typeof v === "number" ? v : quoted(WILD[e.op](v))}`);
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(e.all ? " AND " : " OR ")})`;
}

/**
 * The detection's search, without the index (the component prefixes the stack's, as for alerts).
 * Values never hold a `*` (the policy refuses wildcards), so every `*` here is a modifier's.
 */
export const splunkDetection: DetectionCompiler = (expr) => ({ query: spl(expr) });
