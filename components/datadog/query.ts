/**
 * Datadog log-search and log-monitor queries for catalog events, in the guide's shape:
 *   search   service:EZCA @EventID:4888          (EZMonitor: service:EZMonitor @VulnerabilityID:18)
 *   monitor  logs("service:EZCA @EventID:4888").index("*").rollup("count").last("5m") > 0
 * plus a strict parser for that monitor-query form, so a malformed query fails in tests rather
 * than in the Datadog API at `pulumi up` time.
 */
import type { Product } from "../catalog/events";
import { PRODUCT_FACTS } from "../catalog/products";
import { formatDuration } from "../policy/duration";

export function datadogSearchQuery(product: Product, id: number): string {
  if (!Number.isInteger(id) || id <= 0)
    throw new RangeError(`event id must be a positive integer, got ${id}`);
  return `service:${product} @${PRODUCT_FACTS[product].idField}:${id}`;
}

/**
 * Evaluates the search subset this toolkit generates (`key:value` terms, implicit AND) against a
 * log as the intake stores it: `@attr` is an attribute, a bare key a reserved attribute.
 */
export function datadogSearchMatches(search: string, log: Record<string, unknown>): boolean {
  return search
    .split(/\s+/)
    .filter((t) => t !== "" && t !== "AND")
    .every((term) => {
      const at = term.indexOf(":");
      const key = term.slice(0, at);
      const value = term.slice(at + 1).replace(/^"(.*)"$/, "$1");
      const actual = key.startsWith("@") ? log[key.slice(1)] : log[key];
      return actual !== undefined && String(actual) === value;
    });
}

/** Datadog evaluation window: the policy's canonical duration text (5m, 90m, 1h, 1d) is Datadog's syntax. */
export const datadogWindow = formatDuration;

/** Monitor priority (1 = P1, highest) for a policy severity. */
export function datadogPriority(severity: "high" | "medium" | "low" | "informational"): 1 | 2 | 3 | 4 | 5 {
  return ({ high: 1, medium: 3, low: 4, informational: 5 } as const)[severity];
}

export const MONITOR_OPERATORS = [">", ">=", "<", "<=", "==", "!="] as const;
export type MonitorOperator = (typeof MONITOR_OPERATORS)[number];

export interface MonitorQueryParts {
  search: string;
  index: string;
  rollup: "count";
  window: string;
  operator: MonitorOperator;
  threshold: number;
}

/** Full log-monitor query: alert when the count over the window is above the threshold. */
export function datadogMonitorQuery(
  search: string,
  windowSeconds: number,
  threshold: number,
  index = "*",
): string {
  const query = `logs(${JSON.stringify(search)}).index(${JSON.stringify(index)}).rollup("count").last("${datadogWindow(windowSeconds)}") > ${threshold}`;
  parseDatadogMonitorQuery(query); // never hand out a query we cannot parse back
  return query;
}

export class DatadogQueryError extends Error {
  constructor(message: string, query: string) {
    super(`${message} in Datadog query ${JSON.stringify(query)}`);
    this.name = "DatadogQueryError";
  }
}

const MONITOR_QUERY =
  /^logs\("(?<search>(?:[^"\\]|\\.)*)"\)\.index\("(?<index>[^"]+)"\)\.rollup\("(?<rollup>[a-z]+)"\)\.last\("(?<window>\d+[mhd])"\) (?<op>>=|<=|==|!=|>|<) (?<threshold>\d+(?:\.\d+)?)$/;

/**
 * One search term: `key:value` with a reserved attribute (service, source, host, status) or an
 * `@attribute` path, and a value: letters, digits and `. * @ -`, \-escaped characters, or quoted.
 */
const TERM = /^(?:service|source|host|status|@[A-Za-z_][\w.-]*):(?:(?:[\w.*@-]|\\.)+|"(?:[^"\\]|\\.)+")$/;

/** A parsed log search: terms combined with AND (explicit or implied by a space), OR, - / NOT, parentheses. */
export type SearchNode =
  | { kind: "term"; key: string; value: string }
  | { kind: "and"; items: SearchNode[] }
  | { kind: "or"; items: SearchNode[] }
  | { kind: "not"; item: SearchNode };

/** Parentheses, a `-` that negates what follows it, or a word (escapes and quoted parts kept whole). */
const TOKEN = /\s*(\(|\)|-(?=[^\s)])|(?:[^\s()"\\]|\\.|"(?:[^"\\]|\\.)*")+)/y;

/**
 * Parses a log search of the shapes this toolkit writes (the guide's `service:EZCA @EventID:4888`,
 * a detection's `(a AND -b) OR c`); throws with the reason for anything else.
 */
export function parseDatadogSearch(text: string): SearchNode {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      if (text.slice(at).trim() === "") break;
      throw new Error(
        `cannot read the search from ${JSON.stringify(text.slice(at).trim())} (an unclosed quote?)`,
      );
    }
    tokens.push(m[1] as string);
  }
  if (tokens.length === 0) throw new Error("empty search");
  let i = 0;
  const unary = (): SearchNode => {
    const t = tokens[i++];
    if (t === undefined) throw new Error("search ends too early");
    if (t === "-" || t === "NOT") return { kind: "not", item: unary() };
    if (t === "(") {
      const inner = or();
      if (tokens[i++] !== ")") throw new Error('missing ")"');
      return inner;
    }
    if (!TERM.test(t)) throw new Error(`search term ${JSON.stringify(t)} is not key:value`);
    const colon = t.indexOf(":");
    return { kind: "term", key: t.slice(0, colon), value: t.slice(colon + 1) };
  };
  const and = (): SearchNode => {
    const items = [unary()];
    for (let t = tokens[i]; t !== undefined && t !== "OR" && t !== ")"; t = tokens[i]) {
      if (t === "AND") i++;
      items.push(unary());
    }
    return items.length === 1 ? (items[0] as SearchNode) : { kind: "and", items };
  };
  const or = (): SearchNode => {
    const items = [and()];
    while (tokens[i] === "OR") {
      i++;
      items.push(and());
    }
    return items.length === 1 ? (items[0] as SearchNode) : { kind: "or", items };
  };
  const tree = or();
  if (i < tokens.length) throw new Error(`unexpected ${JSON.stringify(tokens[i])}`);
  return tree;
}

/** Parses a log-monitor query of the form this toolkit generates; throws with the reason if malformed. */
export function parseDatadogMonitorQuery(query: string): MonitorQueryParts {
  const m = MONITOR_QUERY.exec(query);
  if (!m?.groups) {
    throw new DatadogQueryError(
      'expected logs("<search>").index("<index>").rollup("count").last("<N>m|h|d") <op> <threshold>',
      query,
    );
  }
  const g = m.groups as Record<string, string>;
  const search = JSON.parse(`"${g.search}"`) as string;
  checkSearch(search, query);
  if (g.rollup !== "count") throw new DatadogQueryError(`rollup must be "count", got "${g.rollup}"`, query);
  const n = Number.parseInt(g.window as string, 10);
  if (n <= 0) throw new DatadogQueryError(`window must be positive, got "${g.window}"`, query);
  const minutes = (g.window as string).endsWith("d")
    ? n * 1440
    : (g.window as string).endsWith("h")
      ? n * 60
      : n;
  if (minutes > 2880)
    throw new DatadogQueryError(`window ${g.window} is longer than the 2-day maximum`, query);
  return {
    search,
    index: g.index as string,
    rollup: "count",
    window: g.window as string,
    operator: g.op as MonitorOperator,
    threshold: Number(g.threshold),
  };
}

function checkSearch(search: string, query: string): void {
  if (search.trim() !== search || /\s{2,}/.test(search)) {
    throw new DatadogQueryError("search has stray whitespace", query);
  }
  try {
    parseDatadogSearch(search);
  } catch (err) {
    throw new DatadogQueryError((err as Error).message, query);
  }
}
