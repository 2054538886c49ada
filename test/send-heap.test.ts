/**
 * `keytos-siem send` sizes its own heap (exporter/cli/bin.cjs): the process replaces itself, same
 * pid, with V8 flags that keep a long run's memory near 140 MiB, unless NODE_OPTIONS sizes it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli-run";

/** Runs `send` on an empty input with a preload that records the process's node flags and pid. */
async function flagsOfSend(
  nodeOptions: string,
): Promise<{ execArgv: string[]; pid: number; code: number | null }> {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-heap-"));
  const report = path.join(dir, "flags.json");
  const preload = path.join(dir, "record.cjs");
  writeFileSync(
    preload,
    `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(report)}, JSON.stringify({ execArgv: process.execArgv })));`,
  );
  const input = path.join(dir, "empty.ndjson");
  writeFileSync(input, "");
  const r = await runCli(["send", "--to", "http", "--spool", path.join(dir, "spool"), "--json", input], {
    KEYTOS_HTTP_URL: "http://127.0.0.1:9/ingest",
    KEYTOS_HTTP_TOKEN: "t",
    NODE_OPTIONS: `--require ${preload} ${nodeOptions}`.trim(),
  });
  return { ...JSON.parse(readFileSync(report, "utf8")), code: r.code };
}

describe("send's heap", () => {
  it("runs with a 16 MiB young generation and a bounded old one", async () => {
    const { execArgv, code } = await flagsOfSend("");
    expect(code).toBe(0);
    expect(execArgv).toEqual(
      expect.arrayContaining(["--max-semi-space-size=8", "--heap-growing-percent=75"]),
    );
  });

  it("leaves the heap alone when NODE_OPTIONS sizes it", async () => {
    const { execArgv, code } = await flagsOfSend("--max-old-space-size=96");
    expect(code).toBe(0);
    expect(execArgv).not.toContain("--max-semi-space-size=8");
  });
});
