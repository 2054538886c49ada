/**
 * Memory while the destination is down: events keep arriving, the spool grows on disk to
 * BENCH_SPOOL_MB (default 1024 MiB), and the exporter's RSS must stay flat (target < 150 MB).
 * Runs in its own process holding only the exporter (the bench runner also loads Pulumi and the
 * providers), and generates events in chunks so the benchmark holds no backlog in memory.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleStream, stableJson } from "../../components/catalog";
import { Exporter } from "../../exporter/pipeline/exporter";
import { HttpSink } from "../../exporter/sinks/http";
import { fmt } from "./http-sinks";
import type { BenchSection } from "./report";

const MiB = 2 ** 20;

/** Runs the measurement in a child process and returns its section. */
export function benchMemory(spoolMb: number): Promise<BenchSection> {
  const out = execFileSync(process.execPath, ["--import", "tsx", __filename], {
    env: { ...process.env, BENCH_MEMORY_CHILD: String(spoolMb) },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1024 * 1024,
  });
  return Promise.resolve(JSON.parse(out.toString("utf8")) as BenchSection);
}

async function measure(spoolMb: number): Promise<BenchSection> {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-mem-"));
  // Port 9 (discard) on loopback: nothing listens, every request is refused and retried.
  const sink = new HttpSink(
    { url: "http://127.0.0.1:9/ingest", maxEventsPerRequest: 1000 },
    { connections: 4, env: { KEYTOS_HTTP_TOKEN: "x" } },
  );
  const exporter = new Exporter(sink, {
    spoolDir: dir,
    spoolMaxBytes: (spoolMb + 64) * MiB,
    retry: { initialMs: 200, maxMs: 2000, maxElapsedMs: 3_600_000 },
    lingerMs: 50,
  });
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const marks: string[][] = [];
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  let accepted = 0;
  let nextMark = 128;
  const gen = sampleStream(Number.MAX_SAFE_INTEGER, { seed: 11, time: Date.now() / 1000 - 60 });
  while (exporter.summary().spoolBytes < spoolMb * MiB) {
    const chunk: string[] = [];
    for (let i = 0; i < 5000; i++) chunk.push(stableJson(gen.next().value));
    await exporter.acceptMany(chunk);
    accepted += chunk.length;
    peak = Math.max(peak, process.memoryUsage().rss);
    // Let timers run (retries, the RSS sampler): acceptMany alone only yields to microtasks.
    await new Promise((r) => setImmediate(r));
    const spoolMiB = exporter.summary().spoolBytes / MiB;
    if (spoolMiB >= nextMark) {
      marks.push([
        `${nextMark} MiB`,
        fmt(accepted),
        `${Math.round(process.memoryUsage().rss / MiB)} MiB`,
        `${Math.round(peak / MiB)} MiB`,
      ]);
      process.stderr.write(
        `bench: spool ${Math.round(spoolMiB)} MiB, rss ${Math.round(process.memoryUsage().rss / MiB)} MiB\n`,
      );
      nextMark *= 2;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const summary = await exporter.close({ timeoutMs: 1000 });
  rmSync(dir, { recursive: true, force: true });
  if (summary.sent !== 0 || summary.inSpool !== accepted)
    throw new Error(`memory bench: unexpected ${JSON.stringify(summary)}`);
  return {
    title: "Memory while the destination is down and the spool grows",
    note: `Destination refusing connections (retried), ${fmt(accepted)} events (~${Math.round(summary.spoolBytes / accepted)} B) accepted into the spool in ${seconds.toFixed(0)} s; RSS sampled every 100 ms. Target: flat, peak < 150 MB. Baseline RSS before the run (runtime + modules): ${Math.round(baseline / MiB)} MiB.`,
    head: ["spool size", "events accepted", "RSS then", "peak RSS so far"],
    rows: [
      ...marks,
      [
        "final",
        fmt(accepted),
        `${Math.round(process.memoryUsage().rss / MiB)} MiB`,
        `${Math.round(peak / MiB)} MiB ${peak < 150 * 1e6 ? "(met)" : "(target < 150 MB: missed)"}`,
      ],
    ],
    figures: { "memory.peakMiB": peak / MiB, "memory.baselineMiB": baseline / MiB },
  };
}

if (process.env.BENCH_MEMORY_CHILD) {
  void measure(Number(process.env.BENCH_MEMORY_CHILD)).then((section) =>
    process.stdout.write(`${JSON.stringify(section)}\n`),
  );
}
