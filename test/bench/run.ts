/**
 * `npm run bench`: runs the benchmark sections, prints each as it finishes and writes
 * BENCHMARKS.md with the command that produced it. Kafka and CloudWatch use the real broker and
 * moto (started here unless KEYTOS_TEST_SERVICES names running ones).
 * BENCH_ONLY=http,kafka,forward,cloudwatch,memory,spool,envelope,plan,startup picks sections;
 * BENCH_SPOOL_MB sizes the memory run; BENCH_HTTP=syslog-ng,http,datadog,datadog-plain,splunk,azure
 * picks the HTTP contenders; BENCH_EVENTS, BENCH_ROUNDS and BENCH_PLAN_COUNTS size them; BENCH_SPOOL_EVENTS,
 * BENCH_SPOOL_ROUNDS, BENCH_ENVELOPE_EVENTS and BENCH_ENVELOPE_ROUNDS size the spool and envelope
 * runs; BENCH_STARTUP_RUNS the start-up medians.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { benchCloudWatch } from "./cloudwatch";
import { benchEnvelope } from "./envelope";
import { benchForward } from "./forward";
import { benchHttpSinks } from "./http-sinks";
import { benchKafka } from "./kafka";
import { benchMemory } from "./memory";
import { benchPlanScale } from "./plan-scale";
import { type BenchSection, printSection, writeReport } from "./report";
import { stopBenchServices } from "./services";
import { benchSpool } from "./spool";
import { benchStartup } from "./startup";

const only = new Set(
  (process.env.BENCH_ONLY ?? "http,kafka,forward,cloudwatch,memory,spool,envelope,plan,startup").split(","),
);
const events = Number(process.env.BENCH_EVENTS ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const planCounts = (process.env.BENCH_PLAN_COUNTS ?? "1,50").split(",").map(Number);
const spoolMb = Number(process.env.BENCH_SPOOL_MB ?? 1024);
const spoolEvents = Number(process.env.BENCH_SPOOL_EVENTS ?? 100_000);
const spoolRounds = Number(process.env.BENCH_SPOOL_ROUNDS ?? 3);
const envelopeEvents = Number(process.env.BENCH_ENVELOPE_EVENTS ?? 100_000);
const envelopeRounds = Number(process.env.BENCH_ENVELOPE_ROUNDS ?? 3);
const startupRuns = Number(process.env.BENCH_STARTUP_RUNS ?? 5);

// What the bench and the processes it starts (servers, senders, services) write through
// os.tmpdir() goes in one folder, removed on exit, Ctrl-C included (exit handlers stop the services).
const runDir = mkdtempSync(path.join(tmpdir(), "keytos-bench-run-"));
process.env.TMPDIR = runDir;
process.once("exit", () => rmSync(runDir, { recursive: true, force: true }));
process.once("SIGINT", () => process.exit(130));

async function main() {
  const sections: BenchSection[] = [];
  const run = async (name: string, f: () => Promise<BenchSection>) => {
    if (!only.has(name)) return;
    const s = await f();
    printSection(s);
    sections.push(s);
  };
  try {
    await run("http", () => benchHttpSinks(events, rounds));
    await run("kafka", () => benchKafka(events));
    await run("forward", () => benchForward(events));
    await run("cloudwatch", () => benchCloudWatch(events));
    await run("memory", () => benchMemory(spoolMb));
    await run("spool", () => benchSpool(spoolEvents, spoolRounds));
    await run("envelope", () => benchEnvelope(envelopeEvents, envelopeRounds));
    await run("plan", () => benchPlanScale(planCounts));
    await run("startup", () => benchStartup(startupRuns));
  } finally {
    await stopBenchServices();
  }
  // A partial run (BENCH_ONLY or resized) must not replace the full report.
  const partial = [
    "BENCH_ONLY",
    "BENCH_HTTP",
    "BENCH_EVENTS",
    "BENCH_ROUNDS",
    "BENCH_PLAN_COUNTS",
    "BENCH_SPOOL_MB",
    "BENCH_SPOOL_EVENTS",
    "BENCH_SPOOL_ROUNDS",
    "BENCH_ENVELOPE_EVENTS",
    "BENCH_ENVELOPE_ROUNDS",
    "BENCH_STARTUP_RUNS",
  ].some((k) => process.env[k] !== undefined);
  const file = partial ? "BENCHMARKS.partial.md" : "BENCHMARKS.md";
  writeReport(
    path.resolve(__dirname, "..", "..", file),
    partial ? "npm run bench (partial: see BENCH_* variables)" : "npm run bench",
    sections,
  );
  console.log(`\nwritten: ${file}`);
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
