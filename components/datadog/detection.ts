/**
 * Custom detections as Datadog log searches over the logs the sinks send (shape.ts): the product
 * is `service`, the host `host`, every other field an `@attribute`. Attribute values compare
 * case-sensitively (unlike Sigma); contains / startswith / endswith become `*` wildcards, with
 * Datadog's special characters escaped. `NOT` also matches logs without the attribute, as
 * Sigma's not does.
 */
import type { DetectionCompiler, Expr } from "../policy/detection";
import { parseDatadogSearch, type SearchNode } from "./query";

const NAMES: Record<string, string> = { source: "service", host: "host" };
const WILD = {
  eq: (v: string) => v,
  contains: (v: string) => `*${v}*`,
  startswith: (v: string) => `${v}*`,
  endswith: (v: string) => `*${v}`,
};

/** Backslash before every character outside letters, digits and _ . @ (spaces, quotes, :, *, ...). */
const escaped = (v: string) => v.replace(/[^\w.@]/g, (c) => `\\${c}`);

function search(e: Expr): string {
  if (e.kind === "not") return `-${search(e.item)}`;
  if (e.kind !== "match") {
    const parts = e.items.map(search);
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(e.kind === "and" ? " AND " : " OR ")})`;
  }
  const name = NAMES[e.field] ?? `@${e.field}`;
  const terms = e.values.map((v) => `${name}:${typeof v === "number" ? v : WILD[e.op](escaped(v))}`);
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(e.all ? " AND " : " OR ")})`;
}

export const datadogDetection: DetectionCompiler = (expr) => ({ query: search(expr) });

/** Whether a log matches a search: `*` is a wildcard, \x a literal x, values compare case-sensitively. */
export function datadogSearchEvaluates(search: string | SearchNode, log: Record<string, unknown>): boolean {
  const node = typeof search === "string" ? parseDatadogSearch(search) : search;
  if (node.kind === "and" || node.kind === "or") {
    const hit = (n: SearchNode) => datadogSearchEvaluates(n, log);
    return node.kind === "and" ? node.items.every(hit) : node.items.some(hit);
  }
  if (node.kind === "not") return !datadogSearchEvaluates(node.item, log);
  const actual = node.key.startsWith("@") ? log[node.key.slice(1)] : log[node.key];
  if (actual === undefined) return false;
  // A quoted value is a literal phrase; elsewhere * is a wildcard and \x a literal x.
  const quoted = /^"(.*)"$/.exec(node.value);
  const value = quoted
    ? (quoted[1] as string).replace(/\\(.)|\*/g, (m, c: string) => `\\${c ?? m}`)
    : node.value;
  const re = value.replace(/\\(.)|(\*)|([^\\*]+)/g, (_m: string, lit: string, star: string, text: string) =>
    star ? ".*" : (lit ?? text).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
  );
  return new RegExp(`^${re}$`).test(String(actual));
}
