/**
 * Offline verification of every compiled alert query, so a wrong query can never ship:
 * CloudWatch patterns are evaluated against every catalog sample, KQL is bound by Microsoft's
 * Kusto language service against the declared tables, Datadog queries are parsed and their
 * search evaluated against every sample's Datadog log.
 */
import { describe, expect, it } from "vitest";
import { kqlChecker } from "../components/azure/kql-check";
import { toSentinelRow } from "../components/azure/shape";
import { SENTINEL_TABLES } from "../components/azure/tables";
import { CATALOG, type Envelope, envelopeKey, eventKey, sampleCatalog } from "../components/catalog";
import { filterPatternMatches, parseFilterPattern } from "../components/cloudwatch/filter-pattern";
import { toCloudWatchEvent } from "../components/cloudwatch/shape";
import { parseDatadogMonitorQuery } from "../components/datadog/query";
import { toDatadogLog } from "../components/datadog/shape";
import { alertCompilers, type CompiledRule, loadPolicy } from "../components/registry";
import { compilePolicyText } from "./support/policy";

const samples = sampleCatalog();
const keyOf = (env: Envelope) => {
  const k = envelopeKey(env);
  return eventKey(k.product, k.id);
};

// Every catalog event alerted on every destination: the widest compile there is.
const everything = compilePolicyText(
  `version: 1
rules:
  - name: all
    select: { products: [EZCA, EZMonitor] }
    severity: high
`,
).rules;
const defaults = loadPolicy("policies/default.yaml").rules;

/** Evaluates the Datadog search subset (`key:value` terms, implicit AND) against a Datadog log. */
function datadogSearchMatches(search: string, log: Record<string, unknown>): boolean {
  return search.split(" ").every((term) => {
    const [key, value] = term.split(":") as [string, string];
    const actual = key.startsWith("@") ? log[key.slice(1)] : log[key];
    return actual !== undefined && String(actual) === value;
  });
}

/** Evaluates `<table>\n| where <col> == <n>` against a Sentinel row (shape checked by the Kusto test). */
function kqlMatches(kql: string, target: ReturnType<typeof toSentinelRow>): boolean {
  const m = /^(\w+)\n\| where (\w+) == (\d+)$/.exec(kql);
  if (!m) throw new Error(`unexpected KQL shape: ${kql}`);
  return target.table.name === m[1] && target.row[m[2] as string] === Number(m[3]);
}

describe.each([
  ["every event", everything],
  ["default policy", defaults],
])("compiled queries (%s)", (_label, rules: CompiledRule[]) => {
  it("compiles at least the High events", () => {
    expect(rules.length).toBeGreaterThanOrEqual(13);
  });

  it("CloudWatch: each pattern matches exactly its own event among all catalog samples", () => {
    for (const rule of rules) {
      const pattern = parseFilterPattern(rule.destinations.cloudwatch?.pattern ?? "");
      const matched = samples
        .filter((s) => filterPatternMatches(pattern, toCloudWatchEvent(s).message))
        .map(keyOf);
      expect(matched, rule.key).toEqual([rule.key]);
    }
  });

  it("Datadog: each monitor query is well-formed and its search matches exactly its own event", () => {
    for (const rule of rules) {
      const parts = parseDatadogMonitorQuery(rule.destinations.datadog?.query ?? "");
      expect(parts).toMatchObject({
        index: "*",
        rollup: "count",
        operator: ">",
        threshold: rule.threshold,
        window: rule.window,
      });
      const matched = samples.filter((s) => datadogSearchMatches(parts.search, toDatadogLog(s))).map(keyOf);
      expect(matched, rule.key).toEqual([rule.key]);
    }
  });

  it("Sentinel: every KQL binds with zero diagnostics against the declared tables", () => {
    const check = kqlChecker(Object.values(SENTINEL_TABLES));
    for (const rule of rules) {
      expect(check(rule.destinations.azure?.kql ?? ""), rule.key).toEqual([]);
    }
  });

  it("Sentinel: each KQL selects exactly its own event's row", () => {
    for (const rule of rules) {
      const matched = samples
        .filter((s) => kqlMatches(rule.destinations.azure?.kql ?? "", toSentinelRow(s)))
        .map(keyOf);
      expect(matched, rule.key).toEqual([rule.key]);
    }
  });
});

describe("the verifiers catch broken queries", () => {
  const sample4888 = toCloudWatchEvent(samples.find((s) => keyOf(s) === "EZCA:4888") as Envelope).message;
  const ezmonitor19 = toCloudWatchEvent(samples.find((s) => keyOf(s) === "EZMonitor:19") as Envelope).message;

  it("CloudWatch: a pattern without the source check also matches the other product's event", () => {
    const sloppy = "{ $.event.EventID = 19 }";
    const ezca19 = toCloudWatchEvent(samples.find((s) => keyOf(s) === "EZCA:19") as Envelope).message;
    expect(filterPatternMatches(sloppy, ezca19)).toBe(true);
    expect(filterPatternMatches('{ $.event.EventID = 19 && $.source = "EZCA" }', ezmonitor19)).toBe(false);
  });

  it("CloudWatch evaluator: numbers vs strings, missing fields, wildcards, ||, parentheses", () => {
    expect(filterPatternMatches('{ $.event.EventID = "4888" }', sample4888)).toBe(false);
    expect(filterPatternMatches("{ $.event.EventID = 4888 }", sample4888)).toBe(true);
    expect(filterPatternMatches("{ $.event.Missing != 1 }", sample4888)).toBe(false);
    expect(filterPatternMatches('{ $.source = "EZ*" }', sample4888)).toBe(true);
    expect(filterPatternMatches('{ $.source = "EZM*" }', sample4888)).toBe(false);
    expect(
      filterPatternMatches("{ ($.event.EventID = 1 || $.event.EventID = 4888) && $.time > 0 }", sample4888),
    ).toBe(true);
    expect(filterPatternMatches("{ $.event.EventID >= 4889 }", sample4888)).toBe(false);
    expect(filterPatternMatches("{ $.event.EventID = 4888 }", "not json")).toBe(false);
  });

  it("CloudWatch parser rejects syntax outside the checked subset", () => {
    for (const bad of [
      "$.event.EventID = 1",
      "{ $.event.EventID = }",
      "{ $.a = 1 && }",
      '{ $.a > "x" }',
      "{ $.a = 1 } x",
      "{ EventID = 1 }",
    ]) {
      expect(() => parseFilterPattern(bad), bad).toThrow(/FilterPattern|expected|unexpected|strings support/);
    }
  });

  it("Kusto: a misspelt column, an unknown table and an assignment are diagnostics", () => {
    const check = kqlChecker(Object.values(SENTINEL_TABLES));
    expect(check("EZCA_CAs_CL\n| where EventId_d == 4882").join()).toMatch(/EventId_d/);
    expect(check("EZCA_CA_CL\n| where EventID_d == 4882").join()).toMatch(/EZCA_CA_CL/);
    expect(check("EZCA_CAs_CL\n| where EventID_d = 4882")).not.toEqual([]);
    expect(check("EZMonitor_Alerts_CL\n| where EventID_d == 18").join()).toMatch(/EventID_d/);
  });

  it("Datadog parser rejects malformed monitor queries", () => {
    const bad = [
      'logs("service:EZCA @EventID:4888").index("*").rollup("count").last("5m")',
      'logs("service:EZCA @EventID:4888").index("*").rollup("count").last("5x") > 0',
      'logs("service:EZCA  @EventID:4888").index("*").rollup("count").last("5m") > 0',
      'logs("service:EZCA EventID").index("*").rollup("count").last("5m") > 0',
      'logs("").index("*").rollup("count").last("5m") > 0',
      'logs("service:EZCA").index("*").rollup("avg").last("5m") > 0',
      'logs("service:EZCA").index("*").rollup("count").last("3d") > 0',
    ];
    for (const q of bad) expect(() => parseDatadogMonitorQuery(q), q).toThrow(/Datadog query/);
  });

  it("covers every catalog event in the all-events compile", () => {
    expect(everything.map((r) => r.key).sort()).toEqual(CATALOG.map((e) => eventKey(e.product, e.id)).sort());
  });
});

describe("each destination's own verifier (AlertCompiler.verify, also run by plan-time tooling)", () => {
  it.each(alertCompilers().map((a) => [a.key, a] as const))(
    "%s: passes every compiled alert and catches an alert checked against another event",
    (_key, a) => {
      const alertOf = (r: CompiledRule) => (r.destinations as Record<string, unknown>)[a.key];
      for (const rule of [...everything, ...defaults])
        expect(a.verify(alertOf(rule), rule), rule.key).toEqual([]);
      const [first, second] = everything as [CompiledRule, CompiledRule];
      expect(a.verify(alertOf(first), second)).not.toEqual([]);
    },
  );
});
