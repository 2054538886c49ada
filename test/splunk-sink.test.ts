/**
 * The splunk sink against a local HTTP Event Collector enforcing HEC's contract (auth forms,
 * envelope, code table, acknowledgement with channels), and as LogScale and Cribl are configured.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sampleStream, stableJson } from "../components/catalog";
import { Exporter } from "../exporter/pipeline/exporter";
import { createSplunkSink, type SplunkSinkConfig } from "../exporter/sinks/splunk";
import { type HecServerOptions, SplunkHecServer } from "./support/splunk-hec-server";

const servers: SplunkHecServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
async function hec(opts: HecServerOptions = {}) {
  const s = await new SplunkHecServer(opts).start();
  servers.push(s);
  return s;
}

const recent = (n: number, seed: number) =>
  [...sampleStream(n, { seed, time: Date.now() / 1000 - 60 })].map((e) => stableJson(e));

async function send(
  server: SplunkHecServer,
  lines: string[],
  over: Partial<SplunkSinkConfig> = {},
  token = server.token,
) {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-splunk-"));
  const config: SplunkSinkConfig = { hecUrl: server.url, index: "keytos", ...over };
  const exporter = new Exporter(
    createSplunkSink(config, { connections: 2, env: { SPLUNK_HEC_TOKEN: token } }),
    {
      spoolDir: dir,
      lingerMs: 10,
      retry: { initialMs: 10, maxMs: 100, maxElapsedMs: 5_000 },
    },
  );
  await exporter.acceptMany(lines);
  return { summary: await exporter.close({ timeoutMs: 30_000 }), dir };
}

describe("splunk sink: HEC events", () => {
  it("posts batches of concatenated events with time, host, source, sourcetype and index as the catalog sets them", async () => {
    const server = await hec();
    const lines = recent(2500, 61);
    const { summary } = await send(server, lines);
    expect(summary).toMatchObject({ accepted: 2500, sent: 2500, inSpool: 0, deadLettered: 0 });
    const posts = server.requests.filter((r) => r.path === "/services/collector/event");
    expect(posts.every((r) => r.status === 200 && r.events <= 1000)).toBe(true);
    expect(posts.length).toBeGreaterThanOrEqual(3);
    const byId = new Map(server.indexed.map((e) => [e.event.RecordId, e]));
    for (const line of lines) {
      const env = JSON.parse(line);
      expect(byId.get(env.event.RecordId)).toEqual({
        index: "keytos",
        time: env.time,
        host: env.host,
        source: env.source,
        sourcetype: env.sourcetype,
        event: env.event,
      });
    }
    expect(new Set(server.indexed.map((e) => e.sourcetype))).toEqual(
      new Set(["EZCA_CAs", "EZCA_Certificates", "EZMonitor_Alerts"]),
    );
  });

  it("without an index the token's default index takes the events; a sender's extra field travels in the event", async () => {
    const server = await hec({ indexes: ["main", "keytos"] });
    const [a, b] = recent(2, 62).map((l) => JSON.parse(l));
    const { summary } = await send(
      server,
      [JSON.stringify({ ...a, meta: { tenant: "contoso" } }), JSON.stringify(b)],
      {
        index: undefined,
      },
    );
    expect(summary).toMatchObject({ sent: 2 });
    expect(server.indexed.map((e) => e.index)).toEqual(["main", "main"]);
    expect(server.indexed[0]?.event).toEqual({ ...a.event, meta: { tenant: "contoso" } });
  });

  it("an extra field named like an event field is refused at the door with the reason", async () => {
    const server = await hec();
    const [a] = recent(1, 63).map((l) => JSON.parse(l));
    const { summary, dir } = await send(server, [JSON.stringify({ ...a, RecordId: "x" })]);
    expect(summary).toMatchObject({ accepted: 0, deadLettered: 1 });
    expect(readFileSync(path.join(dir, "splunk.deadletter.ndjson"), "utf8")).toMatch(
      /top-level field \\"RecordId\\" would overwrite the event's field RecordId/,
    );
  });

  it("413 over the collector's max_content_length splits the batch", async () => {
    const server = await hec({ maxContentLength: 50_000 });
    const { summary } = await send(server, recent(400, 64));
    expect(summary).toMatchObject({ sent: 400 });
    expect(server.requests.some((r) => r.status === 413)).toBe(true);
    expect(server.received.size).toBe(400);
  });
});

describe("splunk sink: HEC's code table", () => {
  it("busy (503 code 9, Retry-After) and internal errors (500 code 8) are retried: nothing lost", async () => {
    const server = await hec();
    server.busyStorm(4, "0").script({ code: 8 }, { code: 9 });
    const { summary } = await send(server, recent(300, 65), { maxEventsPerRequest: 100 });
    expect(summary).toMatchObject({ sent: 300, deadLettered: 0 });
    expect(summary.retried).toBeGreaterThan(0);
    expect(server.received.size).toBe(300);
    expect(server.requests.filter((r) => r.code === 9).length).toBe(5);
  });

  it("invalid data and a blank event are dead-lettered, not retried; the rest is delivered", async () => {
    const server = await hec();
    server.script({ code: 6 }, { code: 13 });
    const { summary } = await send(server, recent(30, 66), { maxEventsPerRequest: 10 });
    expect(summary).toMatchObject({ sent: 10, deadLettered: 20, deadLetters: { rejectedByDestination: 20 } });
    expect(summary.retried).toBe(0);
  });

  it("an index the token may not write is dead-lettered with the index named", async () => {
    const server = await hec();
    const { summary, dir } = await send(server, recent(3, 67), { index: "secret" });
    expect(summary).toMatchObject({ sent: 0, deadLettered: 3 });
    expect(readFileSync(path.join(dir, "splunk.deadletter.ndjson"), "utf8")).toMatch(
      /Incorrect index\\" \(code 7, event 0\): the token may not write to index \\"secret\\"/,
    );
  });

  it("a revoked, disabled or unknown token stops the run with one message, keeps every event, never shows the token", async () => {
    const server = await hec();
    for (const [state, code] of [
      ["revoked", 4],
      ["disabled", 1],
    ] as const) {
      server.tokenState = state;
      const { summary } = await send(server, recent(5, 68));
      expect(summary.halted).toMatch(
        new RegExp(`^HTTP 403 ".+" \\(code ${code}\\): the HEC token was refused: check SPLUNK_HEC_TOKEN`),
      );
      expect(summary).toMatchObject({ deadLettered: 0, inSpool: 5 });
      expect(summary.halted).not.toContain(server.token);
    }
    server.tokenState = "valid";
    const wrong = await send(server, recent(5, 69), {}, "00000000-0000-0000-0000-000000000000");
    expect(wrong.summary.halted).toMatch(/code 4\): the HEC token was refused/);
  });

  it("a wrong path stops with the URL to check", async () => {
    const server = await hec();
    const { summary } = await send(server, recent(2, 70), { path: "/services/colector" });
    expect(summary.halted).toMatch(
      /HTTP 404 \(no HTTP Event Collector at http:\/\/127\.0\.0\.1:\d+\/services\/colector/,
    );
  });
});

describe("splunk sink: indexer acknowledgement", () => {
  it("sends a channel on every request and counts events only once their ackId is confirmed", async () => {
    const server = await hec({ useAck: true });
    server.ackDelayMs = 150;
    const t0 = Date.now();
    const { summary } = await send(server, recent(250, 71), {
      useAck: true,
      ackPollMs: 20,
      maxEventsPerRequest: 100,
    });
    expect(summary).toMatchObject({ sent: 250, inSpool: 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(server.requests.filter((r) => r.path === "/services/collector/ack").length).toBeGreaterThan(0);
    expect(server.received.size).toBe(250);
  });

  it("lost acknowledgements are never counted delivered: the batches are sent again, nothing lost", async () => {
    const server = await hec({ useAck: true });
    server.loseAcks(2);
    const { summary } = await send(server, recent(300, 72), {
      useAck: true,
      ackPollMs: 20,
      ackTimeoutMs: 300,
      maxEventsPerRequest: 100,
    });
    expect(summary).toMatchObject({ sent: 300, inSpool: 0 });
    expect(summary.retried).toBeGreaterThanOrEqual(200);
    expect(server.received.size).toBe(300);
  });

  it("acknowledgements that never come leave every event in the spool", async () => {
    const server = await hec({ useAck: true });
    server.loseAcks(1000);
    const dir = mkdtempSync(path.join(tmpdir(), "keytos-splunk-"));
    const sink = createSplunkSink(
      { hecUrl: server.url, useAck: true, ackPollMs: 20, ackTimeoutMs: 200 },
      { connections: 1, env: { SPLUNK_HEC_TOKEN: server.token } },
    );
    const exporter = new Exporter(sink, {
      spoolDir: dir,
      lingerMs: 10,
      retry: { initialMs: 10, maxMs: 50, maxElapsedMs: 700 },
    });
    await exporter.acceptMany(recent(20, 73));
    const summary = await exporter.close({ timeoutMs: 5_000 });
    expect(summary).toMatchObject({ sent: 0, inSpool: 20, deadLettered: 0 });
    expect(server.requests.filter((r) => r.path === "/services/collector/event").length).toBeGreaterThan(1);
  });

  it("a token that requires acknowledgement stops a sender without it (code 10), and the reverse", async () => {
    const server = await hec({ useAck: true });
    const without = await send(server, recent(2, 74));
    expect(without.summary.halted).toMatch(
      /code 10\): the token requires indexer acknowledgement: set splunk\.useAck: true/,
    );
    const plain = await hec();
    const withAck = await send(plain, recent(2, 75), { useAck: true, ackPollMs: 20 });
    expect(withAck.summary.halted).toMatch(/splunk\.useAck is on but HEC answered without an ackId/);
    expect(withAck.summary.inSpool).toBe(2);
  });
});

describe("splunk sink: LogScale and Cribl by configuration alone", () => {
  it("LogScale: /api/v1/ingest/hec with a bearer token", async () => {
    const server = await hec();
    const { summary } = await send(server, recent(50, 76), { path: "/api/v1/ingest/hec", auth: "Bearer" });
    expect(summary).toMatchObject({ sent: 50 });
    expect(server.requests.every((r) => r.path === "/api/v1/ingest/hec" && r.status === 200)).toBe(true);
    // The Splunk scheme is refused there (401 code 3), and says how to fix it.
    const wrong = await send(server, recent(2, 77), { path: "/api/v1/ingest/hec" });
    expect(wrong.summary.halted).toMatch(
      /HTTP 401 "Invalid authorization" \(code 3\).*LogScale takes splunk\.auth: Bearer/,
    );
  });

  it("Cribl: the /services/collector base path with the Splunk scheme", async () => {
    const server = await hec();
    const { summary } = await send(server, recent(50, 78), { path: "/services/collector" });
    expect(summary).toMatchObject({ sent: 50 });
    expect(server.requests.every((r) => r.path === "/services/collector")).toBe(true);
  });
});

describe("splunk sink: configuration mistakes", () => {
  it("no token, plain HTTP to another host, an event limit above the request limit: one sentence each", () => {
    const env = { SPLUNK_HEC_TOKEN: "t" };
    expect(() => createSplunkSink({ hecUrl: "https://splunk:8088" }, { connections: 1, env: {} })).toThrow(
      /^no HEC token: export SPLUNK_HEC_TOKEN$/,
    );
    expect(() =>
      createSplunkSink({ hecUrl: "http://splunk.example.com:8088" }, { connections: 1, env }),
    ).toThrow(/splunk\.hecUrl http:\/\/splunk\.example\.com:8088 is plain HTTP: use https:\/\//);
    expect(() =>
      createSplunkSink(
        { hecUrl: "https://splunk:8088", maxBytesPerRequest: 4096, maxBytesPerEvent: 8192 },
        { connections: 1, env },
      ),
    ).toThrow(/splunk\.maxBytesPerEvent \(8192\) is larger than splunk\.maxBytesPerRequest \(4096\)/);
  });
});
