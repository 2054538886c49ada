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
 * `@attribute` path, and a plain or quoted value. Terms are separated by spaces (implicit AND)
 * or an explicit AND.
 */
const TERM = /^(?:service|source|host|status|@[A-Za-z_][\w.-]*):(?:[\w.*-]+|"(?:[^"\\]|\\.)+")$/;

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
  const terms = search.split(/\s+/).filter((t) => t !== "" && t !== "AND");
  if (terms.length === 0) throw new DatadogQueryError("empty search", query);
  if (search.trim() !== search || /\s{2,}/.test(search)) {
    throw new DatadogQueryError("search has stray whitespace", query);
  }
  for (const term of terms) {
    if (!TERM.test(term))
      throw new DatadogQueryError(`search term ${JSON.stringify(term)} is not key:value`, query);
  }
}
