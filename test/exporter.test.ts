/**
 * The delivery pipeline end to end against a local intake that enforces its contract and fails
 * on script. Everything is counted by unique RecordId: nothing accepted may be lost.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleStream } from "../components/catalog";
import { SpoolFullError } from "../exporter/pipeline/backlog";
import { Exporter, type ExporterOptions } from "../exporter/pipeline/exporter";
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../exporter/pipeline/sink";
import { HttpSink, type HttpSinkConfig } from "../exporter/sinks/http";
import { FaultServer } from "./support/fault-server";

let server: FaultServer;
beforeEach(async () => {
  server = await new FaultServer().start();
});
afterEach(async () => {
  await server.stop();
});

const lines = (n: number, seed = 1) => [...sampleStream(n, { seed })].map((e) => JSON.stringify(e));
const tmp = () => mkdtempSync(path.join(tmpdir(), "keytos-spool-"));

function exporter(spoolDir: string, sink: Partial<HttpSinkConfig> = {}, opts: Partial<ExporterOptions> = {}) {
  const http = new HttpSink(
    { url: server.url, maxEventsPerRequest: 500, ...sink },
    { connections: 4, env: { KEYTOS_HTTP_TOKEN: server.token } },
  );
  return new Exporter(http, {
    spoolDir,
    lingerMs: 20,
    retry: { initialMs: 10, maxMs: 200, maxElapsedMs: 20_000 },
    ...opts,
  });
}

async function send(exp: Exporter, input: string[]) {
  await exp.acceptMany(input);
  return exp.close({ timeoutMs: 30_000 });
}

describe("exporter pipeline", () => {
  it("delivers every accepted event, batched", async () => {
    const summary = await send(exporter(tmp()), lines(3000));
    expect(server.unique).toBe(3000);
    expect(summary).toMatchObject({
      accepted: 3000,
      sent: 3000,
      deadLettered: 0,
      inSpool: 0,
      spoolBytes: 0,
    });
    expect(summary.requests).toBeLessThanOrEqual(12);
    expect(server.requests.every((r) => r.events <= 500)).toBe(true);
  });

  it("rides out 429 (honouring Retry-After), 500/503 bursts, resets and slow answers", async () => {
    server.script(
      { status: 429, retryAfter: "1" },
      { status: 503 },
      { status: 503 },
      { status: 500 },
      { reset: true },
      { delayMs: 300 },
      { status: 502 },
    );
    const summary = await send(exporter(tmp()), lines(2000, 2));
    expect(server.unique).toBe(2000);
    expect(summary.sent).toBe(2000);
    expect(summary.retried).toBeGreaterThan(0);
    expect(summary.inSpool).toBe(0);
    const i429 = server.requests.findIndex((r) => r.status === 429);
    const later = server.requests.slice(i429 + 1).map((r) => r.at - (server.requests[i429]?.at ?? 0));
    // Four requests were in flight; the retry of the throttled batch waited at least the second.
    expect(Math.max(...later)).toBeGreaterThanOrEqual(950);
  });

  it("splits a batch the destination answers 413 for, down to what fits", async () => {
    server.maxBodyBytes = 20_000;
    const summary = await send(exporter(tmp()), lines(1500, 3));
    expect(server.unique).toBe(1500);
    expect(summary.sent).toBe(1500);
    expect(server.requests.some((r) => r.status === 413)).toBe(true);
    expect(server.requests.filter((r) => r.status === 200).every((r) => r.bytes <= 20_000)).toBe(true);
  });

  it("a 401 stops the run: nothing dead-lettered, the batches in flight and queued stay in the spool; the right token delivers them all", async () => {
    const dir = tmp();
    const http = new HttpSink(
      { url: server.url, maxEventsPerRequest: 100 },
      { connections: 4, env: { KEYTOS_HTTP_TOKEN: "wrong" } },
    );
    // Four requests in flight: each is answered 401, none may dead-letter its batch.
    const summary = await send(
      new Exporter(http, { spoolDir: dir, lingerMs: 20, maxInFlight: 4 }),
      lines(1000, 4),
    );
    expect(summary.halted).toMatch(
      /^HTTP 401 \(authentication failed: check the bearer token\): .*invalid or missing bearer token/,
    );
    expect(server.requests.filter((r) => r.status === 401).length).toBeGreaterThan(1);
    expect(summary).toMatchObject({ accepted: 1000, sent: 0, deadLettered: 0, inSpool: 1000 });
    expect(existsSync(summary.deadLetterFile)).toBe(false);
    const fixed = await exporter(dir).close({ timeoutMs: 30_000 });
    expect(fixed).toMatchObject({ sent: 1000, deadLettered: 0, inSpool: 0 });
    expect(server.unique).toBe(1000);
  });

  it("stopped with a full spool, the door refuses more input at once instead of waiting forever", async () => {
    const http = new HttpSink(
      { url: server.url, maxEventsPerRequest: 50, maxBytesPerEvent: 4096 },
      { connections: 1, env: { KEYTOS_HTTP_TOKEN: "wrong" } },
    );
    const exp = new Exporter(http, { spoolDir: tmp(), lingerMs: 5, maxInFlight: 1, spoolMaxBytes: 100_000 });
    const input = lines(1000, 9);
    const accept = async () => {
      for (let i = 0; i < input.length; i += 50) await exp.acceptMany(input.slice(i, i + 50));
    };
    await expect(accept()).rejects.toThrow(SpoolFullError);
    const summary = await exp.close();
    expect(summary.halted).toMatch(/HTTP 401/);
    expect(summary).toMatchObject({ sent: 0, deadLettered: 0 });
    expect(summary.inSpool).toBe(summary.accepted);
    expect(summary.spoolBytes).toBeLessThanOrEqual(100_000);
  });

  it("dead-letters malformed lines with their reason and delivers the rest", async () => {
    const input = lines(1000, 5).map((line, i) =>
      i % 20 === 0
        ? i % 40 === 0
          ? line.slice(0, 50)
          : line.replace(/"RecordId":"[^"]+"/, '"RecordId":"x"')
        : line,
    );
    const summary = await send(exporter(tmp()), input);
    expect(summary).toMatchObject({
      accepted: 950,
      sent: 950,
      deadLettered: 50,
      deadLetters: { malformedJson: 25, invalidEnvelope: 25, rejectedByDestination: 0 },
    });
    expect(server.unique).toBe(950);
    const dead = readFileSync(summary.deadLetterFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(dead).toHaveLength(50);
    expect(dead.filter((d) => d.cause === "malformedJson" && /^not valid JSON/.test(d.reason))).toHaveLength(
      25,
    );
    expect(
      dead.filter((d) => d.cause === "invalidEnvelope" && /event\.RecordId: must be a UUID/.test(d.reason)),
    ).toHaveLength(25);
    expect(dead.every((d) => input.includes(d.line))).toBe(true);
  });

  it("back-pressures the caller when the spool is full, and loses nothing", async () => {
    server.delayMs = 50;
    const exp = exporter(
      tmp(),
      { maxEventsPerRequest: 100, maxBytesPerEvent: 4096 },
      { spoolMaxBytes: 200_000, maxInFlight: 1 },
    );
    let peak = 0;
    const input = lines(2000, 6);
    for (let i = 0; i < input.length; i += 50) {
      await exp.acceptMany(input.slice(i, i + 50));
      peak = Math.max(peak, exp.summary().spoolBytes);
    }
    const summary = await exp.close({ timeoutMs: 60_000 });
    expect(peak).toBeLessThanOrEqual(200_000);
    expect(peak).toBeGreaterThan(100_000);
    expect(summary.sent).toBe(2000);
    expect(server.unique).toBe(2000);
  });

  it("parks events in the spool when the retry budget runs out; a later run delivers them", async () => {
    const dir = tmp();
    server.script(...Array.from({ length: 200 }, () => ({ status: 503 })));
    const first = await send(
      exporter(dir, {}, { retry: { initialMs: 10, maxMs: 50, maxElapsedMs: 300 } }),
      lines(800, 7),
    );
    expect(first).toMatchObject({ accepted: 800, sent: 0, inSpool: 800, deadLettered: 0 });
    expect(first.lastError).toMatch(/HTTP 503/);
    server.clearFaults(); // the destination recovers
    const second = await exporter(dir).close({ timeoutMs: 30_000 });
    expect(second).toMatchObject({ accepted: 0, sent: 800, inSpool: 0 });
    expect(server.unique).toBe(800);
  });
});

describe("door rules declared by a sink", () => {
  /** A sink that accepts everything and records it: isolates the pipeline's own rules. */
  class RecordingSink implements Sink<string[]> {
    readonly name = "recording";
    readonly got: string[] = [];
    constructor(readonly limits: SinkLimits) {}
    eventBytes(e: SinkEvent) {
      return e.json.length;
    }
    encode(batch: readonly SinkEvent[]) {
      return batch.map((e) => e.env.event.RecordId);
    }
    async send(ids: string[]): Promise<SendOutcome> {
      this.got.push(...ids);
      return { kind: "ok" };
    }
    async close() {}
  }

  it("dead-letters events outside the sink's time window or size, delivers the rest sorted", async () => {
    const sink = new RecordingSink({
      maxEventsPerRequest: 100,
      maxBytesPerRequest: 1_000_000,
      maxBytesPerEvent: 2000,
      maxEventAgeMs: 14 * 86_400_000,
      maxEventFutureMs: 2 * 3_600_000,
      sortByTime: true,
    });
    const now = Date.now() / 1000;
    const [old, future, big, ok1, ok2] = [...sampleStream(5, { seed: 8 })];
    const input = [
      { ...old, time: now - 15 * 86_400 },
      { ...future, time: now + 3 * 3600 },
      { ...big, time: now, event: { ...big?.event, Details: "x".repeat(3000) } },
      { ...ok2, time: now - 10 },
      { ...ok1, time: now - 20 },
    ].map((e) => JSON.stringify(e));
    const exp = new Exporter(sink, { spoolDir: tmp(), lingerMs: 5 });
    await exp.acceptMany(input);
    const summary = await exp.close();
    expect(summary).toMatchObject({
      accepted: 2,
      sent: 2,
      deadLettered: 3,
      deadLetters: { tooOld: 1, tooNew: 1, tooLarge: 1, malformedJson: 0 },
    });
    expect(sink.got).toEqual([ok1?.event.RecordId, ok2?.event.RecordId]);
    const reasons = readFileSync(summary.deadLetterFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).reason);
    expect(reasons[0]).toMatch(/older than recording accepts \(336 h\)/);
    expect(reasons[1]).toMatch(/further in the future than recording accepts \(2 h\)/);
    expect(reasons[2]).toMatch(/bytes; recording accepts at most 2000 per event/);
  });

  it("refuses at the door, with the sink's reason, an event the destination cannot store as sent", async () => {
    const sink = Object.assign(
      new RecordingSink({ maxEventsPerRequest: 10, maxBytesPerRequest: 1e6, maxBytesPerEvent: 1e5 }),
      {
        unfit: (e: SinkEvent) =>
          "status" in e.env ? 'top-level field "status" would overwrite a reserved one' : undefined,
      },
    );
    const [a, b] = [...sampleStream(2, { seed: 10 })];
    const exp = new Exporter(sink, { spoolDir: tmp(), lingerMs: 5 });
    await exp.acceptMany([
      JSON.stringify({ ...a, status: "x" }),
      JSON.stringify({ ...b, meta: { team: "pki" } }),
    ]);
    const summary = await exp.close();
    expect(summary).toMatchObject({
      accepted: 1,
      sent: 1,
      deadLettered: 1,
      deadLetters: { invalidEnvelope: 1 },
    });
    expect(sink.got).toEqual([b?.event.RecordId]);
    const [dead] = readFileSync(summary.deadLetterFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(dead).toMatchObject({
      cause: "invalidEnvelope",
      reason: 'top-level field "status" would overwrite a reserved one',
    });
  });
});
