/**
 * `smoke` checks custom detections: for each, the events it must match and a near miss it must
 * not, through each destination's query check (CloudWatch TestMetricFilter or the evaluator where
 * it is missing; Datadog's monitor validation plus the evaluator; Kusto binding plus the KQL
 * evaluator), and every result says how it was checked.
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dcrBody } from "../components/azure/dcr";
import { kqlSelects } from "../components/azure/kql-eval";
import { toSentinelRow } from "../components/azure/shape";
import { filterPatternMatches } from "../components/cloudwatch/filter-pattern";
import { toCloudWatchEvent } from "../components/cloudwatch/shape";
import { datadogSearchEvaluates } from "../components/datadog/detection";
import { toDatadogLog } from "../components/datadog/shape";
import { type CompiledDetection, detectionMatches, detectionWitnesses } from "../components/policy";
import { loadPolicy } from "../components/registry";
import { smokeAzure } from "../exporter/sinks/azure/smoke";
import { smokeCloudWatch } from "../exporter/sinks/cloudwatch/smoke";
import { smokeDatadog } from "../exporter/sinks/datadog/smoke";
import { smokeDetection } from "../exporter/smoke/detection";
import { AzureIngestionServer } from "./support/azure-ingestion-server";
import { CloudWatchHttpServer } from "./support/cloudwatch-http-server";
import { DatadogApiServer } from "./support/datadog-api-server";
import { DatadogIntakeServer } from "./support/datadog-intake-server";
import { compilePolicyText } from "./support/policy";

const detections = compilePolicyText(`version: 1
rules:
  - { name: high, select: { criticality: [High] }, severity: high }
detections:
  - name: web-cert-outside-admins
    severity: high
    destinations: [datadog, azure]
    detection:
      issued: { source: EZCA, EventID: 4887, TemplateName: WebServer }
      admins: { User|endswith: "@pki-admins.example.com" }
      condition: issued and not admins
  - name: ca-deleted-or-denied
    severity: medium
    detection:
      sel_deleted: { source: EZCA, EventID: 19 }
      sel_denied: { source: EZCA, EventID: [92, 4888] }
      condition: 1 of sel_*
  - name: vpn-template
    severity: low
    detection:
      selection: { source: EZCA, TemplateName|startswith: VPN, CAName|contains: [Issuing, Root] }
      condition: selection
  - name: domain-not-test
    severity: low
    destinations: [datadog, azure]
    detection:
      takeover: { source: EZMonitor, VulnerabilityID: 18 }
      test: { Domain|endswith: .test }
      condition: takeover and not test
`).detections as CompiledDetection[];

describe("smoke events of a detection", () => {
  it("match it by Sigma's semantics and by every destination's query; the near miss matches none", () => {
    for (const d of detections) {
      const w = detectionWitnesses(d.expr);
      if ("problem" in w) throw new Error(`${d.name}: ${w.problem}`);
      expect(w.good.length, d.name).toBeGreaterThan(0);
      const verdicts = (env: (typeof w.good)[number]) => ({
        sigma: detectionMatches(d.expr, env),
        ...(d.queries.cloudwatch
          ? { cloudwatch: filterPatternMatches(d.queries.cloudwatch, toCloudWatchEvent(env).message) }
          : {}),
        datadog: datadogSearchEvaluates(d.queries.datadog as string, toDatadogLog(env)),
        azure: kqlSelects(d.queries.azure as string, toSentinelRow(env).table.name, toSentinelRow(env).row),
      });
      for (const env of w.good) expect(Object.values(verdicts(env)), d.name).not.toContain(false);
      expect(Object.values(verdicts(w.bad)), d.name).not.toContain(true);
    }
    // `1 of` two selections: a smoke event per way to meet it.
    const either = detectionWitnesses((detections[1] as CompiledDetection).expr);
    expect("good" in either && either.good.map((e) => e.event.EventID)).toEqual([19, 92]);
  });

  it("a detection no event can meet is a failed check naming why, never a pass", async () => {
    const [impossible] = compilePolicyText(`version: 1
rules: [{ name: high, select: { criticality: [High] }, severity: high }]
detections:
  - name: impossible
    severity: low
    destinations: [datadog]
    detection: { a: { source: EZCA }, b: { source: EZMonitor }, condition: a and b }
`).detections as CompiledDetection[];
    const r = await smokeDetection("datadog", impossible as CompiledDetection, async () => ({
      matched: [],
      how: "-",
    }));
    expect(r).toMatchObject({ check: "detection impossible", result: "fail" });
    expect(r.detail).toMatch(
      /cannot build smoke events for detection impossible: no event meets its condition/,
    );
  });

  it("a query that misses a smoke event or takes the near miss fails, naming which and how it was checked", async () => {
    const d = detections[1] as CompiledDetection;
    const missing = await smokeDetection("cloudwatch", d, async (events) => ({
      matched: events.map((_, i) => i === 0),
      how: "a test",
    }));
    expect(missing.result).toBe("fail");
    expect(missing.detail).toBe(
      "detection ca-deleted-or-denied: the cloudwatch query does not match smoke event(s) 2 of 2 it must match (checked with a test)",
    );
    const greedy = await smokeDetection("cloudwatch", d, async (events) => ({
      matched: events.map(() => true),
      how: "x",
    }));
    expect(greedy.detail).toMatch(/matches the near miss it must not/);
  });
});

describe("smoke at each destination checks the policy's detections", () => {
  const policy = loadPolicy("policies/with-detections.yaml");
  const alerts = policy.detections ?? [];
  let cw: CloudWatchHttpServer;
  let intake: DatadogIntakeServer;
  let api: DatadogApiServer;
  let azure: AzureIngestionServer;
  const DCR = "dcr-00112233445566778899aabbccddeeff";
  const WORKSPACE =
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/secops/providers/Microsoft.OperationalInsights/workspaces/sentinel-ws";
  beforeAll(async () => {
    cw = await new CloudWatchHttpServer().start();
    cw.addStream("/keytos/detections", "ezca");
    intake = await new DatadogIntakeServer().start();
    api = await new DatadogApiServer(intake).start();
    azure = await new AzureIngestionServer({ [DCR]: dcrBody(WORKSPACE) }).start();
  });
  afterAll(async () => {
    await cw.stop();
    await api.stop();
    await intake.stop();
    await azure.stop();
  });

  it("cloudwatch: the detection it deploys, by TestMetricFilter or the evaluator (said so)", async () => {
    const results = await smokeCloudWatch({
      config: {
        region: "us-east-1",
        logGroupName: "/keytos/detections",
        logStreamName: "ezca",
        endpoint: cw.endpoint,
      },
      env: { KEYTOS_CLOUDWATCH_API_KEY: cw.apiKey },
      rules: alerts,
      readBack: false,
    });
    expect(results.slice(2).map((r) => [r.check, r.result])).toEqual([
      ["detection revocation-burst", "pass"],
    ]);
    expect(results[2]?.detail).toMatch(
      /^the cloudwatch query matches its 1 smoke event\(s\) and not the near miss \(checked with the local evaluator \(TestMetricFilter unavailable: /,
    );
  });

  it("datadog: each detection's monitor query validated by Datadog, its search run on the smoke events", async () => {
    const results = await smokeDatadog({
      config: { site: "datadoghq.com", endpoint: intake.url },
      apiUrl: api.origin,
      rules: alerts,
      env: { DD_API_KEY: intake.apiKey, DD_APP_KEY: api.appKey },
      patienceMs: 5000,
      pollMs: 100,
    });
    expect(results.slice(2).map((r) => [r.check, r.result])).toEqual([
      ["monitor query detection:web-cert-outside-admins", "pass"],
      ["detection web-cert-outside-admins", "pass"],
      ["monitor query detection:revocation-burst", "pass"],
      ["detection revocation-burst", "pass"],
    ]);
    expect(results[3]?.detail).toMatch(/checked with the local evaluator of the Datadog-validated search\)$/);
  });

  it("azure: each detection's KQL bound by Kusto and run on the smoke rows", async () => {
    const token = azure.token;
    const credential: TokenCredential = {
      getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const results = await smokeAzure({
      config: { endpoint: azure.origin, dcrImmutableId: DCR, caFile: azure.caFile },
      env: {},
      credential,
      rules: alerts,
    });
    const checks = results.filter((r) => r.check.startsWith("detection "));
    expect(checks.map((r) => [r.check, r.result])).toEqual([
      ["detection web-cert-outside-admins", "pass"],
      ["detection revocation-burst", "pass"],
    ]);
    expect(checks[0]?.detail).toMatch(
      /the Kusto language service \(binding\) and the local evaluator \(matching\)\)$/,
    );
  });
});
