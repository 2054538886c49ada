/**
 * Start-up: the commands a new user runs first, as they run them, warm (after one untimed run
 * fills Node's compile cache and tsx's), median of BENCH_STARTUP_RUNS (default 5). Wall time from
 * process start to exit, and the CPU of the whole process tree (bash's `times`). Goal (issue 18):
 * `npm start` (plan --stack example-all) in 2 s or less. Each run must exit 0 and print what the
 * command prints (a plan names its stack and resource count), else the section fails.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { BenchSection } from "./report";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "exporter", "cli", "bin.cjs");
const GOAL_SECONDS = 2;

interface Command {
  name: string;
  argv: string[];
  /** What its output must contain. */
  prints: RegExp;
}

const cli = (...args: string[]) => [process.execPath, BIN, ...args];
/** A plan's first paragraph (wrapped to 80 columns): its stack and resource count. */
const planned = (stack: string, resources = "\\d+") =>
  new RegExp(`^Plan for stack ${stack}: [\\s\\S]*?;\\s${resources}\\sresources\\s`, "m");

/** example-all's resource count, as its golden plan holds it (test/plan.test.ts keeps that current). */
const exampleAllResources = () =>
  String(
    (
      JSON.parse(readFileSync(path.join(__dirname, "..", "golden", "plan-example-all.json"), "utf8")) as {
        totalResources: number;
      }
    ).totalResources,
  );

const COMMANDS: Command[] = [
  { name: "npm start", argv: ["npm", "start"], prints: planned("example-all", exampleAllResources()) },
  {
    name: "plan --stack example-cloudwatch",
    argv: cli("plan", "--stack", "example-cloudwatch"),
    prints: planned("example-cloudwatch"),
  },
  {
    name: "plan --stack example-datadog",
    argv: cli("plan", "--stack", "example-datadog"),
    prints: planned("example-datadog"),
  },
  { name: "catalog", argv: cli("catalog"), prints: /│ EZCA +│ 4882 │/ },
  {
    name: "policy check policies/default.yaml",
    argv: cli("policy", "check", "policies/default.yaml"),
    prints: /: OK \(27 alerted events/,
  },
  { name: "send --help", argv: cli("send", "--help"), prints: /^Usage: keytos-siem send/ },
];

/** One run: wall seconds and the CPU seconds of everything it started. */
function runOnce(c: Command): { wall: number; cpu: number } {
  // `times` prints the shell's, then its children's user and system time: "0m1.234s 0m0.210s".
  const script = '"$@"; code=$?; times >&2; exit $code';
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", script, "bash", ...c.argv], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, COLUMNS: "80" },
    maxBuffer: 64 * 2 ** 20,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`start-up bench: \`${c.name}\` exited ${r.status}:\n${r.stderr}`);
  if (!c.prints.test(r.stdout))
    throw new Error(`start-up bench: \`${c.name}\` printed no ${c.prints}:\n${r.stdout.slice(0, 400)}`);
  const children = r.stderr.trim().split("\n").pop() ?? "";
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (seconds.length !== 2) throw new Error(`start-up bench: cannot read bash's times: ${children}`);
  return { wall, cpu: (seconds[0] as number) + (seconds[1] as number) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

export async function benchStartup(runs: number): Promise<BenchSection> {
  const rows: string[][] = [];
  const figures: Record<string, number> = {};
  for (const c of COMMANDS) {
    runOnce(c); // warm-up: fills the compile cache and tsx's cache
    const samples = Array.from({ length: runs }, () => runOnce(c));
    const wall = median(samples.map((s) => s.wall));
    const cpu = median(samples.map((s) => s.cpu));
    const walls = samples.map((s) => s.wall);
    const key = c.name.replace(/\W+/g, "-");
    figures[`startup.${key}.seconds`] = wall;
    figures[`startup.${key}.cpuSeconds`] = cpu;
    const goal = c.name === "npm start" ? (wall <= GOAL_SECONDS ? "met (≤ 2 s)" : "missed (goal ≤ 2 s)") : "";
    rows.push([
      `\`${c.name}\``,
      wall.toFixed(2),
      `${Math.min(...walls).toFixed(2)}-${Math.max(...walls).toFixed(2)}`,
      cpu.toFixed(2),
      goal,
    ]);
    process.stderr.write(`bench: start-up ${c.name} done\n`);
  }
  return {
    title: "start-up",
    note: `Each command as a user runs it from the project root, warm (one untimed run first), median of ${runs} runs; wall time from process start to exit, CPU of the whole process tree (user + system). \`npm start\` is \`keytos-siem plan --stack example-all\` through npm.`,
    head: ["command", "wall s (median)", "wall s (min-max)", "CPU s (median)", "goal"],
    rows,
    figures,
  };
}
