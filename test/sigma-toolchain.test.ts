/**
 * The exported Sigma rules, verified by the Sigma toolchain itself (sigma-cli 3.1.0 / pySigma 1.5.1,
 * and sigma-cli 1.0.6 for the Datadog backend, installed by the test services):
 * - `sigma check` finds no error and no issue, offline;
 * - `sigma convert` succeeds for every rule with each backend and its shipped pipeline; the Kusto
 *   query is the project's own KQL, the Datadog query the project's search plus the sourcetype;
 * - every rule runs over hand-written good and bad events (the cross-product collisions EZCA 19 /
 *   EZMonitor 19, 12 / 12, 28 / 28 among them) through the sqlite backend's SQL and through the
 *   project's evaluators (CloudWatch patterns, Datadog searches, the KQL filter on Sentinel rows):
 *   each matches exactly its own good events.
 * Case differences are pinned separately: Sigma matches strings case-insensitively, the
 * destinations mostly do not, and the envelope's door refuses a source or sourcetype in another case.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { azureAlertOf } from "../components/azure/alerts";
import { parseSentinelKql } from "../components/azure/query";
import { toSentinelRow } from "../components/azure/shape";
import {
  CATALOG,
  checkEnvelope,
  type Envelope,
  envelopeKey,
  eventKey,
  sampleCatalog,
  sampleEvent,
} from "../components/catalog";
import { cloudwatchAlertOf } from "../components/cloudwatch/alerts";
import { filterPatternMatches } from "../components/cloudwatch/filter-pattern";
import { toCloudWatchEvent } from "../components/cloudwatch/shape";
import { datadogAlertOf } from "../components/datadog/alerts";
import { datadogSearchMatches } from "../components/datadog/query";
import { toDatadogLog } from "../components/datadog/shape";
import type { CompiledRule } from "../components/registry";
import { sigmaDetectionFiles, sigmaFileName, sigmaRuleFiles } from "../components/sigma";
import { SIGMA } from "./services/sigma";
import { compilePolicyText } from "./support/policy";
import { convertDatadog, convertEach, flatRow, runSqlite, sigma, writeExport } from "./support/sigma";

// Every catalog event alerted: a rule for each, the widest export there is.
const rules = compilePolicyText(
  "version: 1\nrules:\n  - { name: all, select: { products: [EZCA, EZMonitor] }, severity: high }\n",
).rules;
const stem = (r: CompiledRule) => sigmaFileName(r).replace(/\.yml$/, "");
const keyOf = (env: Envelope) => eventKey(envelopeKey(env).product, envelopeKey(env).id);

/** Hand-written events: each catalog event twice (two bodies), and events no rule may match. */
const corpus: { env: Envelope; good?: string }[] = [
  ...sampleCatalog().map((env) => ({ env, good: keyOf(env) })),
  ...CATALOG.map((e) => sampleEvent(e.product, e.id, { seed: 99 + e.id })).map((env) => ({
    env,
    good: keyOf(env),
  })),
  // Ids the catalog does not know, from both products.
  {
    env: {
      ...sampleEvent("EZCA", 19),
      event: { ...sampleEvent("EZCA", 19).event, EventID: 9919 },
    } as Envelope,
  },
  {
    env: {
      ...sampleEvent("EZMonitor", 19),
      event: { ...sampleEvent("EZMonitor", 19).event, VulnerabilityID: 9919 },
    } as Envelope,
  },
];
const goodOf = (r: CompiledRule) => corpus.flatMap((c, i) => (c.good === r.key ? [i] : []));

let dir: string;
beforeAll(() => {
  dir = writeExport(sigmaRuleFiles(rules));
});

describe("the Sigma toolchain on the exported rules", () => {
  it("the corpus holds the cross-product collisions, every event passes the envelope's door", () => {
    for (const id of [19, 12, 28]) {
      expect(corpus.filter((c) => c.good === `EZCA:${id}`)).toHaveLength(2);
      expect(corpus.filter((c) => c.good === `EZMonitor:${id}`)).toHaveLength(2);
    }
    for (const c of corpus) expect(checkEnvelope(c.env).ok).toBe(true);
    expect(rules.length).toBe(CATALOG.length);
  });

  it("sigma check: no error and no issue (offline: the two validators that download ATT&CK data excluded)", () => {
    const r = sigma(SIGMA, [
      "check",
      "--fail-on-issues",
      "-x",
      "attacktag",
      "-x",
      "d3_fendtag",
      `${dir}/rules`,
    ]);
    expect(r.stdout).toContain("Found 0 errors, 0 condition errors and 0 issues.");
    expect(r.code).toBe(0);
  });

  it("sigma check would catch a bad rule (a number as a string, a level Sigma lacks)", () => {
    const [first] = sigmaRuleFiles(rules.slice(0, 1));
    const bad = writeExport([
      { file: "keytos_bad_rule.yml", yaml: (first?.yaml ?? "").replace(/EventID: (\d+)/, "EventID: '$1'") },
    ]);
    const r = sigma(SIGMA, [
      "check",
      "--fail-on-issues",
      "-x",
      "attacktag",
      "-x",
      "d3_fendtag",
      `${bad}/rules`,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/NumberAsStringIssue/);
  });

  it("Kusto with keytos-sentinel.yml yields exactly the project's compiled KQL, for every rule", () => {
    const kusto = convertEach(dir, "kusto", "keytos-sentinel.yml");
    expect(kusto.size).toBe(rules.length);
    for (const r of rules) expect(kusto.get(stem(r))).toBe(azureAlertOf(r)?.kql);
  });

  it("Datadog with keytos-datadog.yml yields the project's search and the sourcetype attribute", () => {
    const datadog = convertDatadog(dir);
    expect(datadog.size).toBe(rules.length);
    for (const r of rules) {
      const project = datadogAlertOf(r)?.search ?? "";
      const [service, id] = project.split(" ");
      const sourcetype = `@sourcetype:${r.category === "ca" ? "EZCA_CAs" : r.product === "EZCA" ? "EZCA_Certificates" : "EZMonitor_Alerts"}`;
      expect(datadog.get(stem(r))).toBe(`${service} AND ${sourcetype} AND ${id}`);
    }
  });

  it("Splunk, Elasticsearch (Lucene, ES|QL), Loki and sqlite convert every rule, in the pinned shapes", () => {
    const shapes: [string, string | undefined, (s: Record<string, unknown>) => string][] = [
      [
        "splunk",
        "keytos-splunk.yml",
        (s) => `index="keytos" source="${s.source}" sourcetype="${s.sourcetype}" ${s.id}`,
      ],
      [
        "lucene",
        "keytos-elasticsearch.yml",
        (s) => `source:${s.source} AND sourcetype:${s.sourcetype} AND event.${s.lucene}`,
      ],
      [
        "esql",
        "keytos-elasticsearch.yml",
        (s) =>
          `from * metadata _id, _index, _version | where source=="${s.source}" and sourcetype=="${s.sourcetype}" and event.${s.esql}`,
      ],
      [
        "loki",
        "keytos-loki.yml",
        (s) =>
          `{job="keytos"} | json | source=~\`(?i)^${s.source}$\` and sourcetype=~\`(?i)^${s.sourcetype}$\` and event_${s.id}`,
      ],
      [
        "sqlite",
        undefined,
        (s) =>
          `SELECT * FROM logs WHERE source='${s.source}' AND sourcetype LIKE '${String(s.sourcetype).replace(/_/g, "\\_")}' ESCAPE '\\' AND ${s.id}`,
      ],
    ];
    for (const [target, pipeline, shape] of shapes) {
      const queries = convertEach(dir, target, pipeline);
      expect(queries.size, target).toBe(rules.length);
      for (const r of rules) {
        const sel = sigmaRuleFiles([r])[0]?.yaml ?? "";
        const [, sourcetype] = /sourcetype: (\w+)/.exec(sel) ?? [];
        const [, field, value] = /(EventID|VulnerabilityID): (\d+)/.exec(sel) ?? [];
        const s = {
          source: r.product,
          sourcetype,
          id: `${field}=${value}`,
          lucene: `${field}:${value}`,
          esql: `${field}==${value}`,
        };
        expect(queries.get(stem(r)), `${target} ${r.key}`).toBe(shape(s));
      }
    }
  });

  it("every rule matches exactly its own good events: sqlite backend, project CloudWatch / Datadog / KQL evaluators, Sigma's Datadog query", () => {
    const sql = runSqlite(
      corpus.map((c) => flatRow(c.env)),
      new Map([...convertEach(dir, "sqlite")].map(([k, q]) => [k, q.replace(/^SELECT \*/, "SELECT _row")])),
    );
    const sigmaDatadog = convertDatadog(dir);
    const mismatches: string[] = [];
    let tried = 0;
    for (const r of rules) {
      const good = goodOf(r);
      const kql = parseSentinelKql(azureAlertOf(r)?.kql ?? "");
      const engines: [string, (env: Envelope, i: number) => boolean][] = [
        ["sqlite", (_e, i) => (sql.get(stem(r)) ?? []).includes(i)],
        [
          "cloudwatch",
          (e) => filterPatternMatches(cloudwatchAlertOf(r)?.pattern ?? "{}", toCloudWatchEvent(e).message),
        ],
        ["datadog", (e) => datadogSearchMatches(datadogAlertOf(r)?.search ?? "", toDatadogLog(e))],
        ["sigma datadog", (e) => datadogSearchMatches(sigmaDatadog.get(stem(r)) ?? "", toDatadogLog(e))],
        [
          "kql",
          (e) => {
            const { table, row } = toSentinelRow(e);
            return table.name === kql?.table && row[kql.column] === kql.value;
          },
        ],
      ];
      for (const [engine, matches] of engines) {
        const hit = corpus.flatMap((c, i) => (matches(c.env, i) ? [i] : []));
        tried += corpus.length;
        if (JSON.stringify(hit) !== JSON.stringify(good))
          mismatches.push(`${engine} ${r.key}: ${hit} (want ${good})`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(tried).toBe(rules.length * corpus.length * 5);
  });

  it("case differences: Sigma matches case-insensitively, the destinations and the sqlite backend partly not; the door refuses them all", () => {
    const base = sampleEvent("EZCA", 19);
    const monitor = sampleEvent("EZMonitor", 19);
    const variants = [
      { name: "EZCA source in lower case", env: { ...base, source: "ezca" } },
      { name: "EZCA sourcetype in lower case", env: { ...base, sourcetype: "ezca_cas" } },
      { name: "EZMonitor sourcetype in lower case", env: { ...monitor, sourcetype: "ezmonitor_alerts" } },
    ] as unknown as { name: string; env: Envelope }[];
    // Datadog's log of a variant: the original's, with the variant's product and sourcetype.
    const datadogLog = (env: Envelope) => ({
      ...toDatadogLog(env.event.VulnerabilityID ? monitor : base),
      service: env.source,
      sourcetype: env.sourcetype,
    });
    const [ca, alerts] = [
      rules.find((r) => r.key === "EZCA:19"),
      rules.find((r) => r.key === "EZMonitor:19"),
    ] as CompiledRule[];
    const ruleOf = (env: Envelope) => (env.event.VulnerabilityID ? alerts : ca) as CompiledRule;
    const sql = runSqlite(
      variants.map((v) => flatRow(v.env)),
      new Map([...convertEach(dir, "sqlite")].map(([k, q]) => [k, q.replace(/^SELECT \*/, "SELECT _row")])),
    );
    const seen = variants.map((v, i) => {
      const r = ruleOf(v.env);
      return {
        name: v.name,
        door: checkEnvelope(v.env).ok,
        sqlite: (sql.get(stem(r)) ?? []).includes(i),
        cloudwatch: filterPatternMatches(
          cloudwatchAlertOf(r)?.pattern ?? "{}",
          toCloudWatchEvent(v.env).message,
        ),
        datadog: datadogSearchMatches(datadogAlertOf(r)?.search ?? "", datadogLog(v.env)),
      };
    });
    // Sigma's own semantics (and Kusto's =~, Loki's (?i)) would match all three. The sqlite backend
    // writes = for a value without wildcards (case-sensitive) but LIKE when it holds an underscore
    // (case-insensitive for ASCII); the project's queries test only what the guides test, exactly.
    expect(seen).toEqual([
      { name: "EZCA source in lower case", door: false, sqlite: false, cloudwatch: false, datadog: false },
      { name: "EZCA sourcetype in lower case", door: false, sqlite: true, cloudwatch: true, datadog: true },
      {
        name: "EZMonitor sourcetype in lower case",
        door: false,
        sqlite: true,
        cloudwatch: false,
        datadog: true,
      },
    ]);
  });
});

describe("a detection with a threshold: a Sigma correlation rule (event_count over the window)", () => {
  const [burst] =
    compilePolicyText(`version: 1
rules: [{ name: high, select: { criticality: [High] }, severity: high }]
detections:
  - name: revocation-burst
    severity: medium
    window: 1h
    threshold: 5
    detection:
      revoked: { source: EZCA, sourcetype: EZCA_Certificates, EventID: 4870 }
      condition: revoked
`).detections ?? [];
  const files = sigmaDetectionFiles(burst ? [burst] : []);
  const exported = writeExport(files);
  afterAll(() => rmSync(exported, { recursive: true, force: true }));
  /** `sigma convert` of the rules folder (a correlation resolves its base rule within one collection). */
  const convert = (target: string, pipeline?: string) =>
    sigma(SIGMA, [
      "convert",
      "-t",
      target,
      ...(pipeline ? ["-p", `${exported}/pipelines/${pipeline}`] : []),
      `${exported}/rules`,
    ]);

  it("is exported beside its base rule, referencing it by id: count >= threshold + 1 within the window", () => {
    expect(files.map((f) => f.file)).toEqual([
      "keytos_detection_revocation_burst.yml",
      "keytos_detection_revocation_burst_count.yml",
    ]);
    const base = parse(files[0]?.yaml as string) as { id: string };
    expect(parse(files[1]?.yaml as string)).toMatchObject({
      correlation: {
        type: "event_count",
        rules: [base.id],
        timespan: "1h",
        condition: { gte: 6 },
        generate: true,
      },
      level: "medium",
    });
    // No threshold, no correlation.
    expect(sigmaDetectionFiles(burst ? [{ ...burst, threshold: 0 }] : [])).toHaveLength(1);
  });

  it("sigma check: no error and no issue", () => {
    const r = sigma(SIGMA, ["check", "--fail-on-issues", `${exported}/rules`]);
    expect(r.stdout).toContain("Found 0 errors, 0 condition errors and 0 issues.");
    expect(r.code).toBe(0);
  });

  it("sigma convert succeeds on the backends with correlations (splunk, esql, loki, sqlite); kusto has none", () => {
    const shapes: [string, string | undefined, RegExp][] = [
      [
        "splunk",
        "keytos-splunk.yml",
        /\| bin _time span=1h\n\| stats count as event_count by _time\n\n\| search event_count >= 6/,
      ],
      [
        "esql",
        "keytos-elasticsearch.yml",
        /stats event_count=count\(\) by timebucket\n\| where event_count >= 6/,
      ],
      ["loki", "keytos-loki.yml", /^sum\(count_over_time\(\{job="keytos"\} .* \[1h\]\)\) >= 6$/m],
      [
        "sqlite",
        undefined,
        /COUNT\(\*\) OVER \(ORDER BY ts RANGE BETWEEN 3600 PRECEDING AND CURRENT ROW\).* WHERE metric >= 6/,
      ],
    ];
    for (const [target, pipeline, shape] of shapes) {
      const r = convert(target, pipeline);
      expect(r.code, `${target}: ${r.stderr}`).toBe(0);
      expect(r.stdout, target).toMatch(shape);
    }
    const kusto = convert("kusto", "keytos-sentinel.yml");
    expect(kusto.code).not.toBe(0);
    expect(kusto.stderr + kusto.stdout).toMatch(/correlation/i);
  });
});
