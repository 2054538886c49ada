/**
 * The Sigma toolchain as the tests drive it: sigma-cli (check, convert) from the two .cache/
 * virtualenvs (test/services/sigma.ts), and the sqlite backend's SQL executed by Python's sqlite3
 * module over hand-written events flattened into one `logs` table, as the backend expects.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Envelope } from "../../components/catalog";
import { pipelineYaml, SIGMA_PIPELINES } from "../../components/sigma";
import { SIGMA, SIGMA_DATADOG, type SigmaToolchain, sigmaCommand, sigmaPython } from "../services/sigma";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sigma ...args` of a toolchain. */
export function sigma(toolchain: SigmaToolchain, args: string[]): Run {
  const r = spawnSync(sigmaCommand(toolchain), args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A folder with rules/<file> and pipelines/<pipeline files>, as `policy export` writes them. */
export function writeExport(rules: readonly { file: string; yaml: string }[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sigma-export-"));
  mkdirSync(path.join(dir, "rules"));
  mkdirSync(path.join(dir, "pipelines"));
  for (const r of rules) writeFileSync(path.join(dir, "rules", r.file), r.yaml);
  for (const p of SIGMA_PIPELINES) writeFileSync(path.join(dir, "pipelines", p.file), pipelineYaml(p));
  return dir;
}

/**
 * `sigma convert` of every rule in dir/rules, in one run: each rule's query, by file stem. sigma-cli
 * prints the queries in the order of the files given, separated by a blank line (its --output-dir
 * writes them before post-processing: no table, no SELECT, so it is not used).
 */
function convertAll(
  toolchain: SigmaToolchain,
  dir: string,
  target: string,
  pipeline?: string,
): Map<string, string> {
  const rules = readdirSync(path.join(dir, "rules")).sort();
  const args = ["convert", "-t", target, ...(pipeline ? ["-p", path.join(dir, "pipelines", pipeline)] : [])];
  const r = sigma(toolchain, [...args, ...rules.map((f) => path.join(dir, "rules", f))]);
  if (r.code !== 0) throw new Error(`sigma ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  const queries = r.stdout.trim().split("\n\n");
  if (queries.length !== rules.length)
    throw new Error(`${queries.length} ${target} queries for ${rules.length} rules`);
  return new Map(rules.map((f, i) => [f.replace(/\.yml$/, ""), queries[i] as string]));
}

/** The targets of sigma-cli 3 (kusto, splunk, lucene, esql, loki, sqlite). */
export const convertEach = (dir: string, target: string, pipeline?: string) =>
  convertAll(SIGMA, dir, target, pipeline);

/** The Datadog backend, from its own sigma-cli 1 (pySigma 0.11). */
export const convertDatadog = (dir: string) =>
  convertAll(SIGMA_DATADOG, dir, "datadog", "keytos-datadog.yml");

/** An envelope as one row of the sqlite backend's `logs` table: top-level fields and the event's, flat. */
export function flatRow(env: Envelope): Record<string, unknown> {
  const { event, ...top } = env;
  return { ...top, ...event };
}

const RUN_SQL = `
import json, sqlite3, sys
spec = json.load(sys.stdin)
rows, queries = spec["rows"], spec["queries"]
columns = sorted({k for r in rows for k in r})
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE logs (_row, %s)" % ", ".join('"%s"' % c for c in columns))
for i, r in enumerate(rows):
    db.execute("INSERT INTO logs VALUES (?%s)" % (", ?" * len(columns)), [i] + [r.get(c) for c in columns])
out = {}
for name, sql in queries.items():
    cur = db.execute(sql)
    at = [d[0] for d in cur.description].index("_row")
    out[name] = sorted(row[at] for row in cur.fetchall())
json.dump(out, sys.stdout)
`;

/** Runs each query (the sqlite backend's SELECT ... FROM logs) over the rows: the row numbers each matches. */
export function runSqlite(
  rows: readonly Record<string, unknown>[],
  queries: Map<string, string>,
): Map<string, number[]> {
  const r = spawnSync(sigmaPython(SIGMA), ["-c", RUN_SQL], {
    input: JSON.stringify({ rows, queries: Object.fromEntries(queries) }),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`sqlite run failed: ${r.stderr}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, number[]>));
}
