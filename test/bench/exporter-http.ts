/**
 * `npm run bench`: delivery throughput of the shared pipeline to a local HTTP intake (a separate
 * process), against baselines measured in the same run on the same events:
 *   - raw: an undici loop posting the same prebuilt NDJSON batches (the transport limit);
 *   - per-event: the pipeline with one event per request.
 * Prints events/s and the ratios. Targets (issue 9): >= 0.8x raw, >= 20x per-event.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Pool } from "undici";
import { sampleStream, stableJson } from "../../components/catalog";
import { Exporter } from "../../exporter/pipeline/exporter";
import { HttpSink } from "../../exporter/sinks/http";

const TOKEN = "bench";
const N = Number(process.env.BENCH_EVENTS ?? 50_000);
const N_PER_EVENT = Number(process.env.BENCH_EVENTS_PER_EVENT ?? 3_000);
const IN_FLIGHT = 4;
const BATCH = 1000;

async function startIntake(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "intake-server.ts")], {
    env: { ...process.env, BENCH_TOKEN: TOKEN },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once("line", resolve),
  );
  return { url, stop: () => child.stdin.end() };
}

async function pipeline(url: string, lines: string[], maxEventsPerRequest: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-"));
  const sink = new HttpSink(
    { url, maxEventsPerRequest },
    { connections: IN_FLIGHT, env: { KEYTOS_HTTP_TOKEN: TOKEN } },
  );
  const exporter = new Exporter(sink, { spoolDir: dir, maxInFlight: IN_FLIGHT, lingerMs: 5 });
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i += 1000) await exporter.acceptMany(lines.slice(i, i + 1000));
  const summary = await exporter.close({ timeoutMs: 600_000 });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  if (summary.sent !== lines.length) throw new Error(`bench lost events: ${JSON.stringify(summary)}`);
  return lines.length / seconds;
}

async function raw(url: string, lines: string[]): Promise<number> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: IN_FLIGHT, pipelining: 1 });
  const bodies: Buffer[] = [];
  for (let i = 0; i < lines.length; i += BATCH)
    bodies.push(Buffer.from(`${lines.slice(i, i + BATCH).join("\n")}\n`));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as Buffer;
        const res = await pool.request({
          method: "POST",
          path: target.pathname,
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/x-ndjson" },
          body,
        });
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`raw baseline got HTTP ${res.statusCode}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  return lines.length / seconds;
}

async function main() {
  const lines = [...sampleStream(N, { seed: 5 })].map((e) => stableJson(e));
  const avg = lines.reduce((n, l) => n + l.length, 0) / lines.length;
  const intake = await startIntake();
  try {
    await pipeline(intake.url, lines.slice(0, 2000), BATCH); // warm-up (JIT, connections)
    const rawRate = await raw(intake.url, lines);
    const batched = await pipeline(intake.url, lines, BATCH);
    const perEvent = await pipeline(intake.url, lines.slice(0, N_PER_EVENT), 1);
    const fmt = (n: number) => `${Math.round(n).toLocaleString("en-US")} ev/s`;
    console.log(
      `HTTP delivery, ${N} events of ~${Math.round(avg)} B, ${IN_FLIGHT} in flight, local intake in its own process`,
    );
    console.log(`  raw undici loop, prebuilt ${BATCH}-event batches : ${fmt(rawRate)}`);
    console.log(
      `  pipeline, batched (${BATCH}/request, durable spool)  : ${fmt(batched)}  = ${(batched / rawRate).toFixed(2)}x raw`,
    );
    console.log(`  pipeline, one event per request (${N_PER_EVENT} events)  : ${fmt(perEvent)}`);
    console.log(`  batching speed-up                                 : ${(batched / perEvent).toFixed(1)}x`);
  } finally {
    intake.stop();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
