/**
 * Memory while the destination is down: the real `keytos-siem send --to http` process (as a user
 * runs it) reads events from stdin while every request is refused and retried, so the spool
 * grows on disk to BENCH_SPOOL_MB (default 1024 MiB). Its resident memory, read from
 * /proc/<pid>/status (VmRSS every 100 ms, VmHWM = the kernel's peak), must stay flat (target
 * < 150 MB). Events are generated in chunks and written with back-pressure, so the benchmark
 * holds no backlog itself.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleStream, stableJson } from "../../components/catalog";
import { fmt } from "./http-sinks";
import type { BenchSection } from "./report";

const MiB = 2 ** 20;
const BIN = path.resolve(__dirname, "..", "..", "exporter", "cli", "bin.cjs");

/** VmRSS and VmHWM of a live process, in bytes. */
function residentOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** The heap cap README recommends for a memory-bounded sender (container limits). */
export const CAPPED_NODE_OPTIONS = "--max-old-space-size=48 --max-semi-space-size=4";

/**
 * One `send` of an empty input first, as a user's earlier runs would have: the bench's fresh TMPDIR
 * holds no tsx or V8 compile cache, and a cold start (every module compiled) costs ~20 MiB more.
 */
function warmUp(): void {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-warm-"));
  writeFileSync(path.join(dir, "empty.ndjson"), "");
  spawnSync(
    process.execPath,
    [BIN, "send", "--to", "http", "--spool", path.join(dir, "spool"), path.join(dir, "empty.ndjson")],
    {
      env: { ...process.env, KEYTOS_HTTP_URL: "http://127.0.0.1:9/ingest", KEYTOS_HTTP_TOKEN: "warm-up" },
    },
  );
  rmSync(dir, { recursive: true, force: true });
}

/** Runs the send process twice: its own heap sizing (bin.cjs), then with the documented cap. */
export async function benchMemory(spoolMb: number): Promise<BenchSection> {
  warmUp();
  const plain = await measure(spoolMb, undefined);
  const capped = await measure(spoolMb, CAPPED_NODE_OPTIONS);
  return {
    ...plain,
    note: `${plain.note} Second run: the same with NODE_OPTIONS="${CAPPED_NODE_OPTIONS}" (README, "Memory"): ${capped.note.match(/in (\d+) s/)?.[1]} s instead of ${plain.note.match(/in (\d+) s/)?.[1]} s.`,
    rows: [...plain.rows.map((r) => ["send's own", ...r]), ...capped.rows.map((r) => ["capped heap", ...r])],
    head: ["node heap", ...plain.head],
    figures: {
      "memory.peakMiB": plain.figures["memory.peakMiB"] as number,
      "memory.cappedPeakMiB": capped.figures["memory.peakMiB"] as number,
    },
  };
}

async function measure(spoolMb: number, nodeOptions: string | undefined): Promise<BenchSection> {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-mem-"));
  const config = path.join(dir, "send.yaml");
  writeFileSync(
    config,
    [
      "pipeline:",
      `  spoolMaxBytes: ${(spoolMb + 64) * MiB}`,
      "  lingerMs: 50",
      "  retry: { initialMs: 200, maxMs: 2000, maxElapsedMs: 3600000 }",
      // Port 9 (discard) on loopback: nothing listens, every request is refused and retried.
      "http:",
      "  url: http://127.0.0.1:9/ingest",
      "",
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    [
      BIN,
      "send",
      "--to",
      "http",
      "--config",
      config,
      "--spool",
      path.join(dir, "spool"),
      "--drain-timeout",
      "0",
      "--json",
      "-",
    ],
    {
      env: {
        ...process.env,
        KEYTOS_HTTP_TOKEN: "bench-token",
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      },
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const pid = child.pid as number;
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await new Promise((r) => setTimeout(r, 1500)); // startup: modules loaded, spool open
  const baseline = residentOf(pid).rss;
  let peakSampled = baseline;
  const sampler = setInterval(() => {
    try {
      peakSampled = Math.max(peakSampled, residentOf(pid).rss);
    } catch {} // exited
  }, 100);

  const marks: string[][] = [];
  const gen = sampleStream(Number.MAX_SAFE_INTEGER, { seed: 11, time: Date.now() / 1000 - 60 });
  const t0 = performance.now();
  let fed = 0;
  let fedBytes = 0;
  let nextMark = 128;
  while (fedBytes < spoolMb * MiB) {
    let text = "";
    for (let i = 0; i < 2000; i++) {
      const line = stableJson(gen.next().value);
      fedBytes += line.length;
      text += `${line}\n`;
    }
    fed += 2000;
    if (!child.stdin.write(text)) await new Promise((r) => child.stdin.once("drain", r));
    if (fedBytes / MiB >= nextMark) {
      const now = residentOf(pid);
      marks.push([
        `${nextMark} MiB`,
        fmt(fed),
        `${Math.round(now.rss / MiB)} MiB`,
        `${Math.round(now.hwm / MiB)} MiB`,
      ]);
      process.stderr.write(`bench: fed ${nextMark} MiB, rss ${Math.round(now.rss / MiB)} MiB\n`);
      nextMark *= 2;
    }
  }
  const final = residentOf(pid);
  const seconds = (performance.now() - t0) / 1000;
  child.stdin.end();
  const code = await exited;
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  const summary = JSON.parse(stdout) as {
    accepted: number;
    inSpool: number;
    sent: number;
    spoolBytes: number;
  };
  if (summary.accepted !== fed || summary.inSpool !== fed || summary.sent !== 0)
    throw new Error(
      `memory bench: expected ${fed} events accepted and spooled, got ${stdout} (exit ${code})`,
    );
  const peak = Math.max(final.hwm, peakSampled);
  return {
    title: "Memory while the destination is down and the spool grows",
    note: `\`keytos-siem send --to http\` reading stdin, destination refusing connections (retried): ${fmt(fed)} events (~${Math.round(summary.spoolBytes / fed)} B, ${Math.round(summary.spoolBytes / MiB)} MiB) accepted into the spool in ${seconds.toFixed(0)} s, none lost (send's --json summary). RSS of the send process from /proc (VmRSS sampled every 100 ms; peak = VmHWM). Target: flat, peak < 150 MB. RSS once started (runtime, tsx, modules): ${Math.round(baseline / MiB)} MiB.`,
    head: ["fed so far", "events", "RSS then", "peak RSS so far"],
    rows: [
      ...marks,
      [
        "final",
        fmt(fed),
        `${Math.round(final.rss / MiB)} MiB`,
        `${Math.round(peak / MiB)} MiB ${peak < 150 * 1e6 ? "(met)" : "(target < 150 MB: missed)"}`,
      ],
    ],
    figures: { "memory.peakMiB": peak / MiB, "memory.baselineMiB": baseline / MiB },
  };
}
