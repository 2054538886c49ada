/**
 * The door's pace: while the destination keeps up, the reader waits for the senders rather than
 * committing events that would go to disk only to be read back; while the destination fails, the
 * spool absorbs the input at once.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sampleStream } from "../components/catalog";
import { Exporter } from "../exporter/pipeline/exporter";
import { Spool } from "../exporter/pipeline/spool";
import { HttpSink } from "../exporter/sinks/http";
import { FaultServer } from "./support/fault-server";

let server: FaultServer;
beforeEach(async () => {
  server = await new FaultServer().start();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.stop();
});

const lines = (n: number) => [...sampleStream(n, { seed: 7 })].map((e) => JSON.stringify(e));

/** Feeds 2,000 events in chunks of 200; counts the events read back from the spool. */
async function feed() {
  const reads = vi.spyOn(Spool.prototype, "readAfter");
  const exporter = new Exporter(
    new HttpSink(
      { url: server.url, maxEventsPerRequest: 100 },
      { connections: 2, env: { KEYTOS_HTTP_TOKEN: server.token } },
    ),
    {
      spoolDir: mkdtempSync(path.join(tmpdir(), "keytos-pace-")),
      maxInFlight: 2, // the queue holds 100 x (2 + 1) events
      lingerMs: 5,
      retry: { initialMs: 100, maxMs: 100, maxElapsedMs: 60_000 },
    },
  );
  const input = lines(2000);
  const t0 = performance.now();
  for (let i = 0; i < input.length; i += 200) await exporter.acceptMany(input.slice(i, i + 200));
  const acceptedMs = performance.now() - t0;
  const summary = await exporter.close({ timeoutMs: 60_000 });
  const readBack = reads.mock.results.reduce(
    (n, r) => n + (r.value as { ids: string[] }[]).reduce((m, c) => m + c.ids.length, 0),
    0,
  );
  return { summary, readBack, acceptedMs };
}

describe("the door's pace", () => {
  it("while the destination keeps up, the reader waits for the senders: nothing is read back", async () => {
    server.delayMs = 10; // slower than the door, but answering
    const { summary, readBack } = await feed();
    expect(summary).toMatchObject({ accepted: 2000, sent: 2000, inSpool: 0 });
    expect(readBack).toBe(0);
  });

  it("while the destination fails, the spool takes the input at once and delivers it later", async () => {
    server.script(...Array.from({ length: 6 }, () => ({ status: 503 }))); // every first try fails
    const { summary, readBack, acceptedMs } = await feed();
    expect(summary).toMatchObject({ accepted: 2000, sent: 2000, inSpool: 0 });
    expect(readBack).toBeGreaterThan(0); // spilled, then read back
    expect(acceptedMs).toBeLessThan(2000); // not held up by the backoffs
  });
});
