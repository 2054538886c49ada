/**
 * Every table the CLI prints fits an 80-column terminal (COLUMNS=80, as on a pipe without it):
 * cells wrap, nothing is cut; `--wide` prints the full rows; `--json` does not change.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderSmokeTable } from "../exporter/cli/render";
import { fitColumns, renderTable, terminalColumns, wrap } from "../exporter/cli/table";
import { smokeReport } from "../exporter/smoke/report";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "exporter", "cli", "bin.cjs");

function cli(args: string[], columns?: string): Promise<{ code: number | null; stdout: string }> {
  const env = { ...process.env };
  delete env.COLUMNS;
  if (columns) env.COLUMNS = columns;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8"); // a chunk may end inside a box-drawing character
    child.stdout.on("data", (d) => (stdout += d));
    child.on("exit", (code) => resolve({ code, stdout }));
  });
}

const widest = (text: string) => Math.max(...text.split("\n").map((l) => [...l].length));
/** The words of a table's cells, borders and wrapping aside. */
const words = (text: string) =>
  text
    .replace(/[│┌┐└┘├┤┬┴┼─]/g, " ")
    .split(/\s+/)
    .filter(Boolean)
    .join(" ");

describe("tables fit the terminal", () => {
  it.each([
    ["catalog", ["catalog"]],
    ["policy compile", ["policy", "compile", "policies/default.yaml"]],
    ["plan, every destination (one row per query)", ["plan", "--stack", "example-all"]],
    ["plan, one destination (the alert matrix)", ["plan", "--stack", "example-cloudwatch"]],
  ])(
    "%s: no line wider than 80 with COLUMNS=80 or no COLUMNS; --wide prints full rows",
    async (_what, args) => {
      const [fitted, unset, wide] = await Promise.all([
        cli(args, "80"),
        cli(args),
        cli([...args, "--wide"], "80"),
      ]);
      expect(fitted.code).toBe(0);
      expect(widest(fitted.stdout)).toBeLessThanOrEqual(80);
      expect(unset.stdout).toBe(fitted.stdout); // a pipe without COLUMNS is 80 wide
      expect(widest(wide.stdout)).toBeGreaterThan(100);
      expect(fitted.stdout).not.toMatch(/…/); // nothing cut
      expect(wide.stdout).not.toMatch(/…/);
    },
    60_000,
  );

  it("headers are never cut and the catalog keeps every word", async () => {
    const [catalog, wide] = await Promise.all([cli(["catalog"], "80"), cli(["catalog", "--wide"], "80")]);
    expect(catalog.stdout).toMatch(/│ Product +│ ID +│ Category +│ Crit\. +│ Summary +│/);
    expect(wide.stdout).toMatch(/│ Product +│ ID +│ Category +│ Criticality +│ Summary +│/);
    // Same cells, wrapped or not (hyphenated words may break after their hyphen).
    expect(words(catalog.stdout).replace(/- /g, "-")).toContain(
      "Certificate request denied due to insufficient permissions",
    );
    const plan = await cli(["plan", "--stack", "example-all"], "80");
    expect(plan.stdout).toMatch(/│ Event +│ Destination │ Query +│/);
    expect(plan.stdout).toMatch(/│ Resource +│ Key settings +│/);
  }, 60_000);

  it("a wide terminal gets the alert matrix, one column per destination", async () => {
    const r = await cli(["plan", "--stack", "example-all"], "200");
    expect(widest(r.stdout)).toBeLessThanOrEqual(200);
    expect(r.stdout).toMatch(/│ Event +│ Severity │ Window │ > N │ cloudwatch +│ datadog +│ azure +│/);
  }, 60_000);

  it("--json is unchanged by the width", async () => {
    const [narrow, wide] = await Promise.all([
      cli(["policy", "compile", "policies/default.yaml", "--json"], "80"),
      cli(["policy", "compile", "policies/default.yaml", "--json", "--wide"], "300"),
    ]);
    expect(narrow.stdout).toBe(wide.stdout);
    expect(JSON.parse(narrow.stdout).rules).toHaveLength(27);
  });

  it("the smoke report fits 80 columns with long details; --wide keeps one line per check", () => {
    const detail =
      "sent 1 event to /keytos-siem/contoso/ezca and read it back after 2.1 s; every alarm's pattern matched its sample event with TestMetricFilter";
    const report = smokeReport("contoso", new Date(), [
      { destination: "cloudwatch", check: "read test event back", result: "pass", durationMs: 2100, detail },
      {
        destination: "datadog",
        check: "find test log",
        result: "sent-not-verified",
        durationMs: 300,
        detail: "key valid, sent, not verified: set DD_APP_KEY to search for it",
      },
    ]);
    const fitted = renderSmokeTable(report, { width: 80 });
    expect(widest(fitted)).toBeLessThanOrEqual(80);
    expect(fitted).toMatch(/│ Destination │ Result +│ Check +│/);
    expect(words(fitted)).toContain(words(detail));
    expect(fitted).toMatch(/SENT, NOT VERIFIED/);
    const wide = renderSmokeTable(report, {});
    expect(wide).toMatch(
      new RegExp(
        `│ cloudwatch +│ read test event back │ PASS +│ 2\\.1 s +│ ${detail.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} │`,
      ),
    );
  });
});

describe("fitting", () => {
  it("takes the terminal's width, else $COLUMNS, else 80", () => {
    expect(terminalColumns({ isTTY: true, columns: 132 }, { COLUMNS: "80" })).toBe(132);
    expect(terminalColumns({ isTTY: false }, { COLUMNS: "100" })).toBe(100);
    expect(terminalColumns({ isTTY: false }, {})).toBe(80);
    expect(terminalColumns({ isTTY: false }, { COLUMNS: "wide" })).toBe(80);
  });

  it("wraps at spaces, breaks long words after - / : , and name dots, cuts only what cannot fit", () => {
    expect(wrap("Certificate request denied due to insufficient permissions", 20)).toBe(
      "Certificate request\ndenied due to\ninsufficient\npermissions",
    );
    expect(wrap('logs("service:EZCA @EventID:4888").index("*").rollup("count")', 30)).toBe(
      'logs("service:EZCA @EventID:\n4888").index("*").\nrollup("count")',
    );
    expect(wrap("certificate-transparency", 14)).toBe("certificate-\ntransparency");
    expect(wrap("version 1.25", 9)).toBe("version\n1.25");
    expect(wrap("abcdefghij", 4)).toBe("abcd\nefgh\nij");
  });

  it("keeps narrow columns whole and lets the widest wrap", () => {
    // 3 columns: 4 borders + 6 padding leave 70 of 80.
    expect(fitColumns([10, 24, 200], [10, 12, 15], 80, [false, false, true])).toEqual([10, 24, 36]);
    // A column of words gets its natural width or its longest word, never a useless share.
    expect(fitColumns([10, 40, 200], [10, 12, 15], 80, [false, false, true])).toEqual([10, 12, 48]);
    expect(fitColumns([5, 6], [5, 6], 80, [false, false])).toEqual([5, 6]);
  });

  it("draws a tall multi-line cell in linear time, whole", () => {
    // cli-table3 previews every cell for a debug message on each line it draws; for a multi-line
    // cell that went a character at a time: 40 lines took 1.3 s, 80 lines many seconds.
    const settings = Array.from({ length: 80 }, (_, i) => `setting-${i}=value number ${i}`);
    const t0 = performance.now();
    const table = renderTable(["Resource", "Key settings"], [["LogGroup\nname", settings.join("\n")]], {
      width: 80,
    });
    expect(performance.now() - t0).toBeLessThan(1000);
    for (const s of settings) expect(table).toContain(`│ ${s} `);
    expect(table).not.toMatch(/…/);
  });
});
