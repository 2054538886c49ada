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
  /**
   * Contenders against real peers: the rows start contender, events/s, events per CPU-second,
   * CPU s, peak RSS, delivered; `peer` names the best real peer's row. Collected into the one
   * summary table at the top of the report.
   */
  peer?: string;
}

const num = (cell: string | undefined) => Number((cell ?? "").split(" ")[0]?.replace(/,/g, ""));

/** One table of every contender measured against a real peer, with its ratio to that peer. */
export function peerSummary(sections: BenchSection[]): BenchSection | undefined {
  const rows = sections.flatMap((s) => {
    const peer = s.rows.find((r) => r[0] === s.peer);
    if (!peer) return [];
    return s.rows.map((r) => [
      r[0] as string,
      r[1]?.split(" ")[0] as string,
      r[2] as string,
      r[4] as string,
      r[5] as string,
      r === peer
        ? "peer"
        : `${(num(r[1]) / num(peer[1])).toFixed(2)}x / ${(num(r[2]) / num(peer[2])).toFixed(2)}x`,
    ]);
  });
  if (rows.length === 0) return undefined;
  return {
    title: "Summary: every contender against the best real peer",
    note: "From the sections below (same run, median of their rounds). Ratio = events/s and events per CPU-second relative to the section's real peer (syslog-ng for the HTTP sinks, kcat for Kafka). Goals and caveats are in each section.",
    head: [
      "contender",
      "events/s",
      "events per CPU-second",
      "peak RSS",
      "delivered",
      "ratio to peer (rate / CPU)",
    ],
    rows,
    figures: {},
  };
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
    ...[peerSummary(sections), ...sections].flatMap((s) =>
      s === undefined ? [] : ["", `## ${s.title}`, "", s.note, "", table(s.head, s.rows)],
    ),
    "",
    // Kept by hand: what profiling found and what changed (with before/after).
    readFileSync(path.join(__dirname, "profile-notes.md"), "utf8"),
  ].join("\n");
  writeFileSync(file, text);
}
