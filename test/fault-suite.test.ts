/**
 * Fault suite: whole streams through the pipeline while the destination misbehaves, counted by
 * unique event id at the receiver. Zero lost in every scenario; duplicates (allowed by
 * at-least-once) and the time to drain are reported. Bounded in time: each scenario is seconds.
 * (The broker restart and SIGKILL scenarios live with the Kafka and send suites.)
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleStream, stableJson } from "../components/catalog";
import { Exporter, type ExporterOptions } from "../exporter/pipeline/exporter";
import { HttpSink } from "../exporter/sinks/http";
import { FaultServer } from "./support/fault-server";

let server: FaultServer;
beforeEach(async () => {
  server = await new FaultServer().start();
});
afterEach(() => server.stop());

const stream = (n: number, seed: number) =>
  [...sampleStream(n, { seed, time: Date.now() / 1000 - 60 })].map((e) => stableJson(e));
const idOf = (line: string) => (JSON.parse(line) as { event: { RecordId: string } }).event.RecordId;

async function run(lines: string[], opts: Partial<ExporterOptions> = {}, maxEventsPerRequest = 200) {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-fault-"));
  const exporter = new Exporter(
    new HttpSink(
      { url: server.url, maxEventsPerRequest, maxBytesPerEvent: 4096 },
      { connections: 4, env: { KEYTOS_HTTP_TOKEN: server.token } },
    ),
    { spoolDir: dir, lingerMs: 10, retry: { initialMs: 20, maxMs: 500, maxElapsedMs: 60_000 }, ...opts },
  );
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i += 500) await exporter.acceptMany(lines.slice(i, i + 500));
  const summary = await exporter.close({ timeoutMs: 60_000 });
  return { summary, drainMs: Math.round(performance.now() - t0), dir };
}

function report(name: string, sent: number, drainMs: number) {
  console.log(
    `fault suite: ${name}: ${server.unique} unique of ${sent} sent, ${server.duplicates} duplicates, drained in ${drainMs} ms, ${server.requests.length} requests`,
  );
}

describe("fault suite (HTTP destination, counted by RecordId)", () => {
  it("429/503 storms with Retry-After: zero lost", async () => {
    const lines = stream(5000, 901);
    // A storm: a third of the first 60 requests are throttled or unavailable, with Retry-After.
    server.script(
      ...Array.from({ length: 60 }, (_, i) =>
        i % 3 === 0
          ? { status: 429, retryAfter: "0.05" }
          : i % 3 === 1
            ? { status: 503, retryAfter: "0" }
            : {},
      ),
    );
    const { summary, drainMs } = await run(lines);
    report("429/503 storm", lines.length, drainMs);
    expect(summary).toMatchObject({ accepted: 5000, sent: 5000, deadLettered: 0, inSpool: 0 });
    expect(summary.retried).toBeGreaterThan(0);
    expect(server.unique).toBe(5000);
    expect(lines.every((l) => server.received.has(idOf(l)))).toBe(true);
    expect(server.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(20);
  });

  it("connection resets and slow answers mid-stream: zero lost", async () => {
    const lines = stream(3000, 902);
    server.script(
      ...Array.from({ length: 30 }, (_, i) =>
        i % 4 === 0 ? { reset: true } : i % 4 === 1 ? { delayMs: 200 } : {},
      ),
    );
    const { summary, drainMs } = await run(lines);
    report("resets + slow answers", lines.length, drainMs);
    expect(summary.sent).toBe(3000);
    expect(server.unique).toBe(3000);
  });

  it("a stream with 5% malformed lines: every good event delivered, every bad one dead-lettered with its reason", async () => {
    const good = stream(4000, 903);
    const lines: string[] = [];
    const bad: string[] = [];
    good.forEach((l, i) => {
      lines.push(l);
      if (i % 19 === 0) {
        const b = i % 2 ? "{not json" : JSON.stringify({ ...JSON.parse(l), source: "Nope" });
        bad.push(b);
        lines.push(b);
      }
    });
    expect(bad.length / lines.length).toBeGreaterThan(0.045);
    const { summary, drainMs, dir } = await run(lines);
    report("5% malformed", good.length, drainMs);
    const notJson = bad.filter((b) => b === "{not json").length;
    expect(summary).toMatchObject({
      accepted: 4000,
      sent: 4000,
      deadLettered: bad.length,
      deadLetters: { malformedJson: notJson, invalidEnvelope: bad.length - notJson },
    });
    expect(server.unique).toBe(4000);
    const dead = readFileSync(path.join(dir, "http.deadletter.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(dead).toHaveLength(bad.length);
    expect(dead.every((d) => /not valid JSON|not a valid event envelope/.test(d.reason))).toBe(true);
    expect(dead.map((d) => d.line).sort()).toEqual([...bad].sort());
  });

  it("spool near its bound while the destination is slow: back-pressure, nothing dropped", async () => {
    const lines = stream(3000, 904);
    server.delayMs = 30;
    const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
    // Room for about a tenth of the stream: the producer must wait for deliveries to free space.
    const spoolMaxBytes = Math.floor(bytes / 10);
    const { summary, drainMs } = await run(lines, { spoolMaxBytes }, 100);
    report("spool at its bound", lines.length, drainMs);
    expect(summary).toMatchObject({ accepted: 3000, sent: 3000, inSpool: 0 });
    expect(server.unique).toBe(3000);
    expect(spoolMaxBytes).toBeLessThan(bytes / 5); // the bound really was far below the stream
  });
});
