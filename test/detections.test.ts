/**
 * Custom detections (policy `detections:`): Sigma detection syntax compiled by each destination's
 * own compiler (CloudWatch pattern, Datadog search, KQL, SPL), validated in one pass, exported as Sigma,
 * and run over hand-written good and bad events through the project's evaluators, the sqlite
 * backend and the Kusto language service. Case differences between Sigma and each destination pinned.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { kqlChecker } from "../components/azure/kql-check";
import { kqlSelects } from "../components/azure/kql-eval";
import { toSentinelRow } from "../components/azure/shape";
import { SENTINEL_TABLES } from "../components/azure/tables";
import { type Envelope, sampleEvent } from "../components/catalog";
import { filterPatternMatches } from "../components/cloudwatch/filter-pattern";
import { toCloudWatchEvent } from "../components/cloudwatch/shape";
import { datadogSearchEvaluates } from "../components/datadog/detection";
import { toDatadogLog } from "../components/datadog/shape";
import { type CompiledDetection, detectionMatches, readPolicy } from "../components/policy";
import { alertCompilers } from "../components/registry";
import { sigmaDetectionFiles } from "../components/sigma";
import { indexedSample, splunkSearch } from "../components/splunk/alerts";
import { parseSpl, runSearch } from "../components/splunk/spl";
import { SIGMA } from "./services/sigma";
import { compilePolicyText } from "./support/policy";
import { convertEach, flatRow, runSqlite, sigma, writeExport } from "./support/sigma";

const POLICY = `version: 1
rules:
  - { name: high, select: { criticality: [High] }, severity: high }
detections:
  - name: web-cert-outside-admins
    description: A WebServer certificate issued by someone outside the PKI admins
    severity: high
    destinations: [datadog, azure]
    detection:
      issued: { source: EZCA, EventID: 4887, TemplateName: WebServer }
      admins: { User|endswith: "@pki-admins.example.com" }
      condition: issued and not admins
  - name: ca-deleted-or-denied
    severity: medium
    window: 1h
    threshold: 2
    detection:
      sel_deleted: { source: EZCA, EventID: 19 }
      sel_denied: { source: EZCA, EventID: [92, 4888] }
      condition: 1 of sel_*
  - name: vpn-template
    severity: low
    detection:
      selection: { source: EZCA, TemplateName|startswith: VPN, CAName|contains: [Issuing, Root] }
      condition: selection
`;
const detections = compilePolicyText(POLICY).detections as CompiledDetection[];

const withEvent = (env: Envelope, fields: Record<string, unknown>) =>
  ({ ...env, event: { ...env.event, ...fields } }) as Envelope;
const issued = sampleEvent("EZCA", 4887);
/** Hand-written events; `good` lists the detections each must fire. */
const corpus: { env: Envelope; good: string[] }[] = [
  {
    env: withEvent(issued, { TemplateName: "WebServer", User: "eve@contoso.com" }),
    good: ["web-cert-outside-admins"],
  },
  { env: withEvent(issued, { TemplateName: "WebServer", User: "ann@pki-admins.example.com" }), good: [] },
  {
    env: withEvent(issued, { TemplateName: "WebServer", User: undefined }),
    good: ["web-cert-outside-admins"],
  },
  { env: withEvent(issued, { TemplateName: "User", User: "eve@contoso.com" }), good: [] },
  {
    env: withEvent(issued, { TemplateName: "VPNUsers", CAName: "Contoso Issuing CA" }),
    good: ["vpn-template"],
  },
  { env: withEvent(issued, { TemplateName: "VPNUsers", CAName: "Contoso Policy CA" }), good: [] },
  { env: withEvent(issued, { TemplateName: "UsersVPN", CAName: "Contoso Root CA" }), good: [] },
  { env: sampleEvent("EZCA", 19), good: ["ca-deleted-or-denied"] },
  { env: sampleEvent("EZCA", 92), good: ["ca-deleted-or-denied"] },
  { env: sampleEvent("EZCA", 4888), good: ["ca-deleted-or-denied"] },
  // The cross-product collisions: EZMonitor 19, 12, 28 are not EZCA's.
  { env: sampleEvent("EZMonitor", 19), good: [] },
  { env: sampleEvent("EZMonitor", 12), good: [] },
  { env: sampleEvent("EZMonitor", 28), good: [] },
  { env: sampleEvent("EZCA", 12), good: [] },
  { env: sampleEvent("EZCA", 28), good: [] },
];

describe("custom detections", () => {
  it("compile for each enabled destination, with the window and count", () => {
    const byName = Object.fromEntries(detections.map((d) => [d.name, d]));
    expect(byName["web-cert-outside-admins"]?.queries).toEqual({
      datadog:
        "((service:EZCA AND @EventID:4887 AND @TemplateName:WebServer) AND -@User:*@pki\\-admins.example.com)",
      azure:
        'EZCA_Certificates_CL\n| where ((Source_s =~ "EZCA" and EventID_d == 4887 and TemplateName_s =~ "WebServer") and not(User_s endswith "@pki-admins.example.com"))',
    });
    expect(byName["vpn-template"]?.queries.splunk).toBe(
      '(source="EZCA" AND TemplateName="VPN*" AND (CAName="*Issuing*" OR CAName="*Root*"))',
    );
    expect(byName["ca-deleted-or-denied"]).toMatchObject({ window: "1h", threshold: 2 });
    expect(byName["ca-deleted-or-denied"]?.queries.cloudwatch).toBe(
      '{ (($.source = "EZCA" && $.event.EventID = 19) || ($.source = "EZCA" && ($.event.EventID = 92 || $.event.EventID = 4888))) }',
    );
  });

  it("each matches exactly its good events: Sigma's semantics, CloudWatch, Datadog, sqlite backend", () => {
    // The base rules only: a threshold's correlation rule counts over time (test/sigma-toolchain.test.ts).
    const dir = writeExport(sigmaDetectionFiles(detections).filter((f) => !f.file.endsWith("_count.yml")));
    const sql = runSqlite(
      corpus.map((c) => flatRow(c.env)),
      new Map([...convertEach(dir, "sqlite")].map(([k, q]) => [k, q.replace(/^SELECT \*/, "SELECT _row")])),
    );
    const mismatches: string[] = [];
    for (const d of detections) {
      const want = corpus.flatMap((c, i) => (c.good.includes(d.name) ? [i] : []));
      const engines: [string, (env: Envelope, i: number) => boolean][] = [
        ["sigma", (e) => detectionMatches(d.expr, e as unknown as Record<string, unknown>)],
        ["sqlite", (_e, i) => (sql.get(`keytos_detection_${d.name.replace(/-/g, "_")}`) ?? []).includes(i)],
        ["datadog", (e) => datadogSearchEvaluates(d.queries.datadog as string, toDatadogLog(e))],
      ];
      if (d.queries.splunk) {
        const search = parseSpl(splunkSearch({ search: d.queries.splunk }, "keytos"));
        engines.push(["splunk", (e) => runSearch(search, [indexedSample(e, "keytos")]).length === 1]);
      }
      if (d.queries.cloudwatch) {
        engines.push([
          "cloudwatch",
          (e) => filterPatternMatches(d.queries.cloudwatch as string, toCloudWatchEvent(e).message),
        ]);
      }
      for (const [engine, matches] of engines) {
        const hit = corpus.flatMap((c, i) => (matches(c.env, i) ? [i] : []));
        if (JSON.stringify(hit) !== JSON.stringify(want))
          mismatches.push(`${engine} ${d.name}: ${hit} (want ${want})`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("splunk: quotes and backslashes are escaped, values compare case-insensitively", () => {
    const policy = (value: string) =>
      `${POLICY.split("detections:")[0]}detections:\n  - { name: odd, severity: low, destinations: [splunk], detection: { s: { Details|contains: '${value}' }, condition: s } }\n`;
    const [odd] = compilePolicyText(policy('say "hi" \\ bye')).detections as CompiledDetection[];
    expect(odd?.queries.splunk).toBe('Details="*say \\"hi\\" \\\\ bye*"');
    const search = parseSpl(splunkSearch({ search: odd?.queries.splunk as string }, "keytos"));
    const event = withEvent(issued, { Details: 'They say "HI" \\ bye now' }); // values ignore case
    expect(runSearch(search, [indexedSample(event, "keytos")])).toHaveLength(1);
    expect(runSearch(search, [indexedSample(issued, "keytos")])).toHaveLength(0);
  });

  it("every KQL binds against the declared tables in Microsoft's Kusto language service", () => {
    const check = kqlChecker(Object.values(SENTINEL_TABLES));
    for (const d of detections) expect(check(d.queries.azure as string), d.name).toEqual([]);
  });

  it("sigma convert for Sentinel (kusto, keytos-sentinel.yml) selects what the project's KQL selects", () => {
    const dir = writeExport(sigmaDetectionFiles(detections).filter((f) => !f.file.endsWith("_count.yml")));
    const kusto = convertEach(dir, "kusto", "keytos-sentinel.yml");
    expect(kusto.size).toBe(detections.length);
    // A detection naming only its product (source: EZCA) reads every table of that product.
    expect(kusto.get("keytos_detection_ca_deleted_or_denied")).toMatch(
      /^union EZCA_CAs_CL, EZCA_Certificates_CL\n/,
    );
    const mismatches: string[] = [];
    for (const d of detections) {
      const converted = kusto.get(`keytos_detection_${d.name.replace(/-/g, "_")}`) as string;
      for (const [i, c] of corpus.entries()) {
        const { table, row } = toSentinelRow(c.env);
        const [sigmaSays, projectSays] = [converted, d.queries.azure as string].map((q) =>
          kqlSelects(q, table.name, row),
        );
        if (sigmaSays !== projectSays) mismatches.push(`${d.name} event ${i}: sigma ${sigmaSays}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("exported as Sigma: sigma check finds no error and no issue", () => {
    const dir = writeExport(sigmaDetectionFiles(detections));
    const r = sigma(SIGMA, ["check", "--fail-on-issues", `${dir}/rules`]);
    expect(r.stdout).toContain("Found 0 errors, 0 condition errors and 0 issues.");
  });

  it("case differences: Sigma and KQL (=~) match case-insensitively, CloudWatch and Datadog exactly", () => {
    const d = detections.find((x) => x.name === "vpn-template") as CompiledDetection;
    const env = withEvent(issued, { TemplateName: "vpnusers", CAName: "contoso issuing ca" });
    expect(detectionMatches(d.expr, env as unknown as Record<string, unknown>)).toBe(true);
    expect(d.queries.azure).toMatch(/TemplateName_s startswith "VPN" and \(CAName_s contains "Issuing"/);
    expect(filterPatternMatches(d.queries.cloudwatch as string, toCloudWatchEvent(env).message)).toBe(false);
    expect(datadogSearchEvaluates(d.queries.datadog as string, toDatadogLog(env))).toBe(false);
  });

  it("one pass names every problem and what a destination cannot express", () => {
    const bad = `version: 1
rules:
  - { name: high, select: { criticality: [High] }, severity: high }
detections:
  - name: typo
    severity: high
    detection: { sel: { Usr: x, TemplateName|re: "a.*" }, condition: sel }
  - name: no-cloudwatch-not
    severity: high
    detection: { a: { EventID: 4887 }, b: { User: eve }, condition: a and not b }
  - name: bad-condition
    severity: high
    detection: { a: { EventID: 1 }, condition: a and missing }
`;
    expect(() => compilePolicyText(bad)).toThrow(
      /detections\[0\]\.detection: sel\.Usr: unknown field "Usr"[\s\S]*detections\[0\]\.detection: sel\.TemplateName\|re: modifier "re" is not supported[\s\S]*detections\[1\]\.detection: cloudwatch cannot express "not" on User: .*; remove cloudwatch from this detection's destinations[\s\S]*detections\[2\]\.detection: condition "a and missing": "missing" is not a selection/,
    );
  });

  it("a plain Sigma rule file is a detection (sigma: path, relative to the policy)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "detections-"));
    writeFileSync(
      path.join(dir, "deleted.yml"),
      "title: CA deleted\nlogsource: { product: keytos }\ndetection: { sel: { source: EZCA, EventID: 19 }, condition: sel }\n",
    );
    const file = path.join(dir, "policy.yaml");
    writeFileSync(
      file,
      `${POLICY.split("detections:")[0]}detections:\n  - { name: from-file, sigma: deleted.yml, severity: high }\n`,
    );
    const [d] = readPolicy(file, alertCompilers()).detections ?? [];
    expect(d?.description).toBe("CA deleted");
    expect(d?.queries.cloudwatch).toBe('{ ($.source = "EZCA" && $.event.EventID = 19) }');
    writeFileSync(
      file,
      `${POLICY.split("detections:")[0]}detections:\n  - { name: from-file, sigma: nope.yml, severity: high }\n`,
    );
    expect(() => readPolicy(file, alertCompilers())).toThrow(
      /detections\[0\]\.sigma: cannot read the Sigma rule nope\.yml \(ENOENT\)/,
    );
  });
});
