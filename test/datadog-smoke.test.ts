/** The Datadog smoke check against the local intake and API stand-ins. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleEvent } from "../components/catalog";
import { loadPolicy } from "../components/registry";
import { smokeDatadog } from "../exporter/sinks/datadog/smoke";
import { DatadogApiServer } from "./support/datadog-api-server";
import { DatadogIntakeServer } from "./support/datadog-intake-server";

let intake: DatadogIntakeServer;
let api: DatadogApiServer;
beforeAll(async () => {
  intake = await new DatadogIntakeServer().start();
  api = await new DatadogApiServer(intake).start();
  api.monitors.set("1234", "[keytos-siem contoso] EZCA Event ID 4888");
});
afterAll(async () => {
  await api.stop();
  await intake.stop();
});

const rules = loadPolicy("policies/default.yaml").rules;
const base = () => ({
  config: { site: "datadoghq.com" as const, endpoint: intake.url },
  apiUrl: api.origin,
  rules,
});

describe("datadog smoke check", () => {
  it("with an application key: sent, found by search, every monitor query validated, monitors exist", async () => {
    const results = await smokeDatadog({
      ...base(),
      env: { DD_API_KEY: intake.apiKey, DD_APP_KEY: api.appKey },
      monitorIds: ["1234"],
      patienceMs: 5000,
      pollMs: 100,
    });
    expect(results.map((r) => [r.check, r.result])).toEqual([
      ["send test log", "pass"],
      ["find test log", "pass"],
      ...rules.map((r) => [`monitor query ${r.key}`, "pass"]),
      ["monitor 1234 exists", "pass"],
    ]);
  });

  it("without an application key: key valid, sent, not verified — not a pass", async () => {
    const results = await smokeDatadog({ ...base(), rules: [], env: { DD_API_KEY: intake.apiKey } });
    expect(results.map((r) => r.result)).toEqual(["pass", "sent-not-verified"]);
    expect(results[1]?.detail).toMatch(/^key valid, sent, not verified/);
  });

  it("a wrong API key fails sending with the site named; a missing monitor fails", async () => {
    const results = await smokeDatadog({
      ...base(),
      rules: [],
      env: { DD_API_KEY: "wrong", DD_APP_KEY: api.appKey },
      monitorIds: ["999"],
    });
    expect(results[0]).toMatchObject({ check: "send test log", result: "fail" });
    expect(results[0]?.detail).toMatch(/datadoghq\.com organisation/);
    expect(results.at(-1)).toMatchObject({ check: "monitor 999 exists", result: "fail" });
  });

  it("each run sends a test log with a RecordId of its own, never a sample's", async () => {
    const smokeIds = () =>
      intake.logs.filter((l) => l.hostname === "keytos-siem-smoke").map((l) => l.RecordId);
    const before = smokeIds().length;
    for (let run = 0; run < 2; run++)
      await smokeDatadog({ ...base(), rules: [], env: { DD_API_KEY: intake.apiKey } });
    const ids = smokeIds().slice(before);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(ids).not.toContain(sampleEvent("EZCA", 4888).event.RecordId);
  });
});
