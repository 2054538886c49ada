/** The benchmark report's one summary table: every contender against its section's real peer. */
import { describe, expect, it } from "vitest";
import { type BenchSection, peerSummary } from "./bench/report";

const section = (peer: string | undefined, rows: string[][]): BenchSection => ({
  title: "t",
  note: "n",
  head: ["contender", "events/s", "events per CPU-second", "CPU s", "peak RSS", "delivered"],
  rows,
  figures: {},
  peer,
});

describe("peerSummary", () => {
  it("ratios each contender to its own section's peer, in rate and in CPU", () => {
    const http = section("syslog-ng", [
      ["syslog-ng", "80,000 (79,000-81,000)", "60,000", "1.6", "22 MiB", "100,000"],
      ["send --to http", "60,000 (59,000-70,000)", "66,000", "1.5", "140 MiB", "100,000"],
    ]);
    const kafka = section("kcat", [
      ["kcat", "150,000", "140,000", "0.7", "86 MiB", "100,000"],
      ["send --to kafka", "30,000", "28,000", "3.5", "376 MiB", "100,000"],
    ]);
    const summary = peerSummary([http, section(undefined, [["x", "1", "1", "1", "1", "1"]]), kafka]);
    expect(summary?.rows).toEqual([
      ["syslog-ng", "80,000", "60,000", "22 MiB", "100,000", "peer"],
      ["send --to http", "60,000", "66,000", "140 MiB", "100,000", "0.75x / 1.10x"],
      ["kcat", "150,000", "140,000", "86 MiB", "100,000", "peer"],
      ["send --to kafka", "30,000", "28,000", "376 MiB", "100,000", "0.20x / 0.20x"],
    ]);
  });

  it("is left out when no section has a peer", () => {
    expect(peerSummary([section(undefined, [["x", "1", "1", "1", "1", "1"]])])).toBeUndefined();
  });
});
