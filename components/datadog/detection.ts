/**
 * Custom detections as Datadog log searches over the logs the sinks send (shape.ts): the product
 * is `service`, the host `host`, every other field an `@attribute`. Attribute values compare
 * case-sensitively (unlike Sigma); contains / startswith / endswith become `*` wildcards, with
 * Datadog's special characters escaped. `NOT` also matches logs without the attribute, as
 * Sigma's not does.
 */
import type { DetectionCompiler, Expr } from "../policy/detection";

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

type Node =
  | { kind: "term"; key: string; value: string }
  | { kind: "and"; items: Node[] }
  | { kind: "or"; items: Node[] }
  | { kind: "not"; item: Node };

/** Parses the search syntax datadogDetection writes (terms, AND, OR, -, parentheses, \-escapes, * wildcards). */
export function parseDatadogSearch(text: string): Node {
  const tokens = text.match(/\(|\)|-(?=[\w@(])|(?:[^\s()\\]|\\.)+/g) ?? [];
  let i = 0;
  const atom = (): Node => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`Datadog search ends too early: ${text}`);
    if (t === "-") return { kind: "not", item: atom() };
    if (t === "(") {
      const inner = or();
      if (tokens[i++] !== ")") throw new Error(`missing ) in Datadog search: ${text}`);
      return inner;
    }
    const at = t.indexOf(":");
    if (at <= 0) throw new Error(`"${t}" is not key:value in Datadog search: ${text}`);
    return { kind: "term", key: t.slice(0, at), value: t.slice(at + 1) };
  };
  const chain = (kind: "and" | "or", word: string, next: () => Node) => (): Node => {
    const items = [next()];
    while (tokens[i] === word) {
      i++;
      items.push(next());
    }
    return items.length === 1 ? (items[0] as Node) : ({ kind, items } as Node);
  };
  const and = chain("and", "AND", atom);
  const or = chain("or", "OR", and);
  const tree = or();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in Datadog search: ${text}`);
  return tree;
}

/** Whether a log matches a search: `*` is a wildcard, \x a literal x, values compare case-sensitively. */
export function datadogSearchEvaluates(search: string | Node, log: Record<string, unknown>): boolean {
  const node = typeof search === "string" ? parseDatadogSearch(search) : search;
  if (node.kind === "and" || node.kind === "or") {
    const hit = (n: Node) => datadogSearchEvaluates(n, log);
    return node.kind === "and" ? node.items.every(hit) : node.items.some(hit);
  }
  if (node.kind === "not") return !datadogSearchEvaluates(node.item, log);
  const actual = node.key.startsWith("@") ? log[node.key.slice(1)] : log[node.key];
  if (actual === undefined) return false;
  const re = node.value.replace(
    /\\(.)|(\*)|([^\\*]+)/g,
    (_m: string, lit: string, star: string, text: string) =>
      star ? ".*" : (lit ?? text).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
  );
  return new RegExp(`^${re}$`).test(String(actual));
}
