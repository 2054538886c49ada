/** The datadog sink against a local intake enforcing the documented contract (key, gzip, limits, codes). */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, sampleCatalog, sampleStream } from "../components/catalog";
import { datadogIntakeUrl } from "../components/datadog/site";
import { loadPolicy } from "../components/registry";
import { Exporter } from "../exporter/pipeline/exporter";
import { createDatadogSink, type DatadogSinkConfig } from "../exporter/sinks/datadog";
import { DatadogIntakeServer } from "./support/datadog-intake-server";

let intake: DatadogIntakeServer;
beforeAll(async () => {
  intake = await new DatadogIntakeServer().start();
});
afterAll(() => intake.stop());

const recent = (n: number, seed: number) =>
  [...sampleStream(n, { seed, time: Date.now() / 1000 - 60 })].map((e) => JSON.stringify(e));

async function send(lines: string[], env: NodeJS.ProcessEnv, over: Partial<DatadogSinkConfig> = {}) {
  const config: DatadogSinkConfig = { site: "datadoghq.eu", endpoint: intake.url, ...over };
  const exporter = new Exporter(createDatadogSink(config, { connections: 2, env }), {
    spoolDir: mkdtempSync(path.join(tmpdir(), "keytos-dd-")),
    lingerMs: 20,
  });
  await exporter.acceptMany(lines);
  return exporter.close({ timeoutMs: 30_000 });
}

describe("datadog sink", () => {
  it("delivers gzip batches of <= 1000 logs with the attributes the monitors query", async () => {
    intake.logs.length = 0;
    const lines = recent(2500, 41);
    const summary = await send(lines, { DD_API_KEY: intake.apiKey });
    expect(summary).toMatchObject({ accepted: 2500, sent: 2500, inSpool: 0 });
    expect(
      intake.requests
        .filter((r) => r.status === 202)
        .every((r) => r.entries <= 1000 && r.compressedBytes < r.bytes / 3),
    ).toBe(true);
    const ids = new Set(intake.logs.map((l) => l.RecordId));
    expect(lines.every((l) => ids.has(JSON.parse(l).event.RecordId))).toBe(true);
    // Every compiled monitor's search matches its own sample's log: service + top-level attribute.
    for (const rule of loadPolicy("policies/default.yaml").rules) {
      const [service, attr] = (rule.destinations.datadog?.search ?? "").split(" ") as [string, string];
      const [name, value] = attr.slice(1).split(":") as [string, string];
      const hit = intake.logs.find((l) => `service:${l.service}` === service && String(l[name]) === value);
      expect(hit, rule.key).toBeDefined();
    }
  });

  it("each log's status follows the event's criticality and its message is the event's summary", async () => {
    intake.logs.length = 0;
    // As the products may send them: without Summary or Criticality; the catalog fills both in.
    const bare = sampleCatalog({ time: Date.now() / 1000 - 60 }).map((e) => {
      const { Summary: _s, Criticality: _c, ...event } = e.event;
      return JSON.stringify({ ...e, event });
    });
    expect(await send(bare, { DD_API_KEY: intake.apiKey })).toMatchObject({ sent: CATALOG.length });
    const status = { High: "error", Medium: "warn", Low: "notice" };
    const got = (e: (typeof CATALOG)[number]) =>
      intake.logs.find((l) => l.service === e.product && (l.EventID ?? l.VulnerabilityID) === e.id);
    for (const e of CATALOG) {
      expect(got(e), `${e.product}:${e.id}`).toMatchObject({
        status: status[e.criticality],
        message: e.summary,
      });
    }
    // The contract server refuses a status Datadog does not document (it would become info).
    const res = await fetch(intake.url, {
      method: "POST",
      headers: { "dd-api-key": intake.apiKey, "content-type": "application/json" },
      body: JSON.stringify([{ message: "x", status: "high" }]),
    });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });

  it("compression: none sends the same logs as plain JSON arrays", async () => {
    intake.logs.length = 0;
    intake.requests.length = 0;
    const lines = recent(1500, 46);
    const summary = await send(lines, { DD_API_KEY: intake.apiKey }, { compression: "none" });
    expect(summary).toMatchObject({ accepted: 1500, sent: 1500 });
    const accepted = intake.requests.filter((r) => r.status === 202);
    expect(accepted.reduce((n, r) => n + r.entries, 0)).toBe(1500);
    // Not compressed: the body on the wire is the JSON array itself.
    expect(accepted.every((r) => r.compressedBytes === r.bytes)).toBe(true);
    const ids = new Set(intake.logs.map((l) => l.RecordId));
    expect(lines.every((l) => ids.has(JSON.parse(l).event.RecordId))).toBe(true);
  });

  it("413 above the uncompressed limit splits the batch", async () => {
    intake.maxUncompressedBytes = 100_000;
    try {
      const summary = await send(recent(600, 42), { DD_API_KEY: intake.apiKey });
      expect(summary.sent).toBe(600);
      expect(intake.requests.some((r) => r.status === 413)).toBe(true);
    } finally {
      intake.maxUncompressedBytes = 5 * 1024 * 1024;
    }
  });

  it("a wrong key halts with a message naming the site, dead-letters nothing; no key is a configuration error", async () => {
    const summary = await send(recent(5, 43), { DD_API_KEY: "not-a-key" });
    expect(summary.halted).toMatch(
      /HTTP 403 \(authentication failed: check DD_API_KEY and the site: the key must belong to the datadoghq\.eu organisation/,
    );
    expect(summary).toMatchObject({ deadLettered: 0, inSpool: 5 });
    expect(summary.halted).not.toContain("not-a-key");
    expect(() => createDatadogSink({ site: "datadoghq.com" }, { connections: 1, env: {} })).toThrow(
      /export DD_API_KEY/,
    );
  });

  it("events older than the intake's 18 h are dead-lettered at the door", async () => {
    const old = [...sampleStream(1, { seed: 44, time: Date.now() / 1000 - 19 * 3600 })].map((e) =>
      JSON.stringify(e),
    );
    const summary = await send(old, { DD_API_KEY: intake.apiKey });
    expect(summary).toMatchObject({ accepted: 0, deadLettered: 1, deadLetters: { tooOld: 1 } });
  });

  it("a wrong intake URL (404) stops with the URL and what to check, not blamed on the key", async () => {
    const summary = await send(
      recent(5, 45),
      { DD_API_KEY: intake.apiKey },
      { endpoint: `${intake.origin}/v1/input` },
    );
    expect(summary.halted).toMatch(
      /^HTTP 404 \(no Datadog Logs intake at http:\/\/127\.0\.0\.1:\d+\/v1\/input: check the site \(DD_SITE\) or datadog\.endpoint\)/,
    );
    expect(summary).toMatchObject({ deadLettered: 0, inSpool: 5 });
  });

  it("knows every site's intake URL", () => {
    expect(datadogIntakeUrl("datadoghq.com")).toBe("https://http-intake.logs.datadoghq.com/api/v2/logs");
    expect(datadogIntakeUrl("us2.ddog-gov.com")).toBe(
      "https://http-intake.logs.us2.ddog-gov.com/api/v2/logs",
    );
  });
});
