/** Benchmark sections, printed as they finish and collected into BENCHMARKS.md. */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface BenchSection {
  title: string;
  note: string;
  head: string[];
  rows: string[][];
  /** Named ratios and figures, for scripts. */
  figures: Record<string, number>;
}

const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

export function printSection(s: BenchSection): void {
  console.log(`\n${s.title}\n${s.note}\n${table(s.head, s.rows)}`);
}

export function writeReport(file: string, command: string, sections: BenchSection[]): void {
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const text = [
    "# Benchmarks",
    "",
    `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 10)} (${machine}).`,
    "Every figure is a ratio against a baseline measured in the same run on the same events; absolute",
    "rates depend on the machine. Re-run to refresh this file.",
    ...sections.flatMap((s) => ["", `## ${s.title}`, "", s.note, "", table(s.head, s.rows)]),
    "",
    // Kept by hand: what profiling found and what changed (with before/after).
    readFileSync(path.join(__dirname, "profile-notes.md"), "utf8"),
  ].join("\n");
  writeFileSync(file, text);
}
