/**
 * `npm run bench`: runs the benchmark sections, prints each as it finishes and writes
 * BENCHMARKS.md with the command that produced it. BENCH_ONLY=http,plan picks sections;
 * BENCH_SINKS=fault,datadog,azure picks HTTP sinks; BENCH_EVENTS, BENCH_EVENTS_PER_EVENT and
 * BENCH_PLAN_COUNTS size them.
 */
import path from "node:path";
import { benchHttpSinks } from "./http-sinks";
import { benchPlanScale } from "./plan-scale";
import { type BenchSection, printSection, writeReport } from "./report";

const only = new Set((process.env.BENCH_ONLY ?? "http,plan").split(","));
const events = Number(process.env.BENCH_EVENTS ?? 50_000);
const perEvent = Number(process.env.BENCH_EVENTS_PER_EVENT ?? 3_000);
const planCounts = (process.env.BENCH_PLAN_COUNTS ?? "1,50,200").split(",").map(Number);

async function main() {
  const sections: BenchSection[] = [];
  const run = async (name: string, f: () => Promise<BenchSection>) => {
    if (!only.has(name)) return;
    const s = await f();
    printSection(s);
    sections.push(s);
  };
  await run("http", () => benchHttpSinks(events, perEvent));
  await run("plan", () => benchPlanScale(planCounts));
  const command = `npm run bench${process.env.BENCH_ONLY ? ` (BENCH_ONLY=${process.env.BENCH_ONLY})` : ""}`;
  writeReport(path.resolve(__dirname, "..", "..", "BENCHMARKS.md"), command, sections);
  console.log("\nwritten: BENCHMARKS.md");
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
