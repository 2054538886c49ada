/**
 * The Azure smoke check against the local HTTPS Logs Ingestion + query API: a tagged row per
 * stream, found by a workspace query after an ingestion delay (with progress), each table's
 * analytics rule run against its test row, every rule's KQL checked by the Kusto language service.
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dcrBody } from "../components/azure/dcr";
import type { CompiledRule } from "../components/policy/compile";
import { loadPolicy } from "../components/registry";
import { smokeAzure } from "../exporter/sinks/azure/smoke";
import { AzureIngestionServer } from "./support/azure-ingestion-server";

const DCR = "dcr-00112233445566778899aabbccddeeff";
const WORKSPACE =
  "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/secops/providers/Microsoft.OperationalInsights/workspaces/sentinel-ws";

let server: AzureIngestionServer;
let credential: TokenCredential;
beforeAll(async () => {
  server = await new AzureIngestionServer({ [DCR]: dcrBody(WORKSPACE) }).start();
  const token = server.token;
  credential = {
    getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
});
afterAll(() => server.stop());

const rules = loadPolicy("policies/default.yaml").rules;
const base = () => ({
  config: { endpoint: server.origin, dcrImmutableId: DCR, caFile: server.caFile },
  env: {},
  credential,
  queryEndpoint: `${server.origin}/v1`,
});

describe("azure smoke check", () => {
  it("finds each tagged row after the ingestion delay, runs each table's rule on it, validates every rule's KQL", async () => {
    server.visibleAfterMs = 400;
    const progress: string[] = [];
    const results = await smokeAzure({
      ...base(),
      rules,
      workspaceResourceId: WORKSPACE,
      pollMs: 100,
      patienceMs: 10_000,
      onProgress: (m) => progress.push(m),
    });
    const failed = results.filter((r) => r.result !== "pass");
    expect(failed).toEqual([]);
    const checks = results.map((r) => r.check);
    for (const stream of [
      "Custom-EZCA_CAs_CL",
      "Custom-EZCA_Certificates_CL",
      "Custom-EZMonitor_Alerts_CL",
    ]) {
      expect(checks).toContain(`send test row to ${stream}`);
    }
    for (const table of ["EZCA_CAs_CL", "EZCA_Certificates_CL", "EZMonitor_Alerts_CL"]) {
      expect(checks).toContain(`find test row in ${table}`);
    }
    expect(checks.filter((c) => /^rule .* sees its event$/.test(c))).toHaveLength(3);
    expect(checks.filter((c) => c.startsWith("rule KQL "))).toHaveLength(
      rules.filter((r) => r.destinations.azure).length,
    );
    expect(progress.some((m) => /waiting for the test row in EZCA_CAs_CL: \d+s of 10s/.test(m))).toBe(true);
    // The queries went to the workspace resource, and the rule's own KQL was run on the row.
    expect(
      server.queries.every((q) => q.path.includes("/subscriptions/11111111-2222-3333-4444-555555555555/")),
    ).toBe(true);
    expect(
      server.queries.some((q) =>
        /^EZCA_Certificates_CL\n\| where EventID_d == 4888\n\| where RecordId_s == "/.test(q.query),
      ),
    ).toBe(true);
    const tagged = server.rows("EZCA_Certificates_CL").filter((r) => r.Host_s === "keytos-siem-smoke");
    expect(tagged).toHaveLength(1);
  });

  it("without a workspace id the rows are sent but reported as not verified", async () => {
    server.visibleAfterMs = 0;
    const results = await smokeAzure({ ...base(), rules: rules.slice(0, 1) });
    expect(results.find((r) => r.check === "find test rows")).toMatchObject({ result: "sent-not-verified" });
    expect(results.filter((r) => r.check.startsWith("send test row")).every((r) => r.result === "pass")).toBe(
      true,
    );
  });

  it("a row that never shows up fails after the patience window, with what to do", async () => {
    server.visibleAfterMs = 60_000;
    try {
      const results = await smokeAzure({
        ...base(),
        rules: [],
        workspaceResourceId: WORKSPACE,
        pollMs: 50,
        patienceMs: 300,
      });
      const find = results.find((r) => r.check === "find test row in EZCA_CAs_CL");
      expect(find).toMatchObject({ result: "fail" });
      expect(find?.detail).toMatch(/not in EZCA_CAs_CL after 0s \(new custom tables can take 15 minutes/);
    } finally {
      server.visibleAfterMs = 0;
    }
  });

  it("a rule whose KQL does not bind or does not select its event fails", async () => {
    const rule = rules.find((r) => r.key === "EZCA:4882") as CompiledRule;
    const withKql = (kql: string): CompiledRule => ({
      ...rule,
      destinations: {
        azure: {
          ...(rule.destinations.azure as NonNullable<CompiledRule["destinations"]["azure"]>),
          kql,
        },
      },
    });
    const results = await smokeAzure({
      ...base(),
      rules: [
        withKql("EZCA_CAs_CL\n| where EventId_d == 4882"),
        withKql("EZCA_CAs_CL\n| where EventID_d == 4883"),
      ],
    });
    const [misspelt, wrong] = results.filter((r) => r.check === "rule KQL EZCA:4882");
    expect(misspelt).toMatchObject({ result: "fail" });
    expect(misspelt?.detail).toMatch(/Kusto rejects[\s\S]*EventId_d/);
    expect(wrong).toMatchObject({ result: "fail" });
    expect(wrong?.detail).toMatch(/does not select a EZCA:4882 row of EZCA_CAs_CL/);
  });

  it("an unknown DCR fails the send with what to check", async () => {
    const results = await smokeAzure({
      ...base(),
      config: { ...base().config, dcrImmutableId: "dcr-ffffffffffffffffffffffffffffffff" },
      rules: [],
    });
    const send = results.find((r) => r.check === "send test row to Custom-EZCA_CAs_CL");
    expect(send).toMatchObject({ result: "fail" });
    expect(send?.detail).toMatch(/HTTP 404[\s\S]*check dcrImmutableId and endpoint/);
  });

  it("a query API it cannot reach fails the row check naming the address, not the credential", async () => {
    const results = await smokeAzure({
      ...base(),
      rules: [],
      workspaceResourceId: WORKSPACE,
      queryEndpoint: "https://127.0.0.1:1/v1",
      patienceMs: 1000,
    });
    const find = results.find((r) => r.check === "find test row in EZCA_CAs_CL");
    expect(find).toMatchObject({ result: "fail" });
    expect(find?.detail).toMatch(
      /^workspace query: cannot reach https:\/\/127\.0\.0\.1:1\/v1 \(ECONNREFUSED\): check the address/,
    );
    expect(find?.detail).not.toMatch(/Log Analytics Reader/);
  }, 60_000);
});
