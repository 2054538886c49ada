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
    expect(results.at(-1)?.detail).toMatch(
      /^monitor 999: HTTP 403, the credential was refused: check DD_APP_KEY/,
    );
    const missing = await smokeDatadog({
      ...base(),
      rules: [],
      env: { DD_API_KEY: intake.apiKey, DD_APP_KEY: api.appKey },
      monitorIds: ["999"],
      patienceMs: 5000,
      pollMs: 100,
    });
    expect(missing.at(-1)?.detail).toBe(
      "monitor 999 does not exist in the datadoghq.com organisation (deleted, or outputs of another stack)",
    );
  });

  it("each failure names its real cause: a wrong URL (404), a refused application key (403), an outage (5xx), no answer", async () => {
    const verify = {
      env: { DD_API_KEY: intake.apiKey, DD_APP_KEY: api.appKey },
      rules: [],
      patienceMs: 1000,
    };
    const wrongUrl = await smokeDatadog({
      ...base(),
      ...verify,
      apiUrl: `${api.origin}/nope`,
      monitorIds: ["1234"],
    });
    const notFound = new RegExp(
      `^Logs search: HTTP 404, not found: no Datadog API at ${api.origin}/nope: check the site \\(DD_SITE\\) or the apiUrl output`,
    );
    expect(wrongUrl[1]?.detail).toMatch(notFound);
    expect(wrongUrl[1]?.detail).not.toMatch(/scope/); // never blamed on the key's scope
    expect(wrongUrl.at(-1)?.detail).toMatch(/^monitor 1234: HTTP 404, not found: no Datadog API at /);
    const keyOnly = await smokeDatadog({
      ...base(),
      rules: [],
      env: { DD_API_KEY: intake.apiKey },
      apiUrl: `${api.origin}/nope`,
    });
    expect(keyOnly[1]?.detail).toMatch(/^API key check: HTTP 404, not found: no Datadog API at /);

    const appKey = await smokeDatadog({
      ...base(),
      ...verify,
      env: { DD_API_KEY: intake.apiKey, DD_APP_KEY: "revoked" },
    });
    expect(appKey[1]?.detail).toMatch(
      /^Logs search: HTTP 403, the credential was refused: check DD_APP_KEY \(it needs the logs_read_data scope\) and that it and DD_API_KEY belong to the datadoghq\.com organisation/,
    );

    api.failWith = 503;
    try {
      const outage = await smokeDatadog({ ...base(), ...verify });
      expect(outage[1]?.detail).toMatch(
        /^Logs search: HTTP 503, the service failed \(not a settings problem\): run smoke again later/,
      );
    } finally {
      api.failWith = undefined;
    }

    const unreachable = await smokeDatadog({ ...base(), ...verify, apiUrl: "http://127.0.0.1:1" });
    expect(unreachable[1]?.detail).toMatch(
      /^Logs search: cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\): check the address \(site, endpoint\) and the network/,
    );
  });

  it("the test log's own failures are told apart: a wrong intake URL is not a key problem", async () => {
    const results = await smokeDatadog({
      ...base(),
      config: { site: "datadoghq.com", endpoint: `${intake.origin}/api/v1/input` },
      rules: [],
      env: { DD_API_KEY: intake.apiKey },
    });
    expect(results[0]?.detail).toMatch(
      /^refused \(the credential or the target, not the event\): HTTP 404 \(no Datadog Logs intake at .*\/api\/v1\/input: check the site \(DD_SITE\) or datadog\.endpoint\)/,
    );
    const down = await smokeDatadog({
      ...base(),
      config: { site: "datadoghq.com", endpoint: "http://127.0.0.1:1/api/v2/logs" },
      rules: [],
      env: { DD_API_KEY: intake.apiKey },
    });
    expect(down[0]?.detail).toMatch(
      /^not accepted, a temporary failure \(the service failed or could not be reached\): run smoke again later: network error ECONNREFUSED/,
    );
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
