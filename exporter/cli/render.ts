/**
 * Human-readable tables for the CLI, fitted to the terminal (table.ts); `--wide` prints every
 * column on one line per row. JSON output bypasses these entirely.
 */
import type { CatalogEvent } from "../../components/catalog/events";
import type { AlertCompiler } from "../../components/policy/alerts";
import type { CompiledPolicy } from "../../components/policy/compile";
import type { SmokeReport } from "../smoke/report";
import type { SmokeStatus } from "../smoke/result";
import { type Cell, type Layout, paragraph, renderTable } from "./table";

const wide = (layout: Layout) => layout.width === undefined;

export function renderCatalog(events: readonly CatalogEvent[], layout: Layout): string {
  const rows = events.map((e) => [
    e.product,
    String(e.id),
    e.category,
    e.criticalitySource === "toolkit" ? `${e.criticality}*` : e.criticality,
    e.summary,
  ]);
  const head = ["Product", "ID", "Category", wide(layout) ? "Criticality" : "Crit.", "Summary"];
  const note =
    "* criticality assigned by keytos-siem (the guides give none for EZMonitor); `catalog --json` has each reason. Override in the policy's `criticality:` list.";
  return `${renderTable(head, rows, layout, true)}\n${paragraph(note, layout)}\n`;
}

/** One row per event and destination, the event cell spanning its destinations. */
export function queryRows(
  events: readonly { event: string; queries: [destination: string, query: string][] }[],
): Cell[][] {
  return events.flatMap(({ event, queries }) =>
    queries.map(([destination, query], i) => [i === 0 ? event : undefined, destination, query]),
  );
}

/** The custom detections: each one's settings, then its query per destination (or why it has none there). */
function detectionsSection(
  compiled: CompiledPolicy,
  alerters: readonly AlertCompiler[],
  layout: Layout,
): string[] {
  const detections = compiled.detections ?? [];
  if (detections.length === 0) return [];
  return [
    paragraph(`Custom detections: ${detections.length}`, layout),
    renderTable(
      ["Detection", "Severity", "Window", "> N", "Description"],
      detections.map((d) => [d.name, d.severity, d.window, String(d.threshold), d.description]),
      layout,
    ),
    "",
    "Detection queries per destination",
    renderTable(
      ["Detection", "Destination", "Query"],
      queryRows(
        detections.map((d) => ({
          event: d.name,
          queries: alerters.flatMap((a): [string, string][] => {
            const alert = d.destinations[a.key];
            if (alert !== undefined) return [[a.key, (a.describe ?? a.summary)(alert)]];
            const why = d.inexpressible[a.key];
            return why ? [[a.key, `not deployed: ${why}`]] : [];
          }),
        })),
      ),
      layout,
    ),
    "",
  ];
}

export function renderCompiled(
  file: string,
  compiled: CompiledPolicy,
  alerters: readonly AlertCompiler[],
  layout: Layout,
): string {
  // Wide: a column per fact. Fitted: the event's criticality and summary go under its key, so the
  // alert's own settings keep their columns.
  const rules = wide(layout)
    ? renderTable(
        ["Event", "Crit.", "Severity", "Window", "> N", "Rule", "Summary"],
        compiled.rules.map((r) => [
          r.key,
          r.criticality,
          r.severity,
          r.window,
          String(r.threshold),
          r.rule,
          r.name,
        ]),
        layout,
        true,
      )
    : renderTable(
        ["Event", "Severity", "Window", "> N", "Rule"],
        compiled.rules.map((r) => [
          `${r.key} (${r.criticality})\n${r.name}`,
          r.severity,
          r.window,
          String(r.threshold),
          r.rule,
        ]),
        layout,
      );
  const queries = renderTable(
    ["Event", "Destination", "Query"],
    queryRows(
      compiled.rules.map((r) => ({
        event: r.key,
        queries: alerters.flatMap((a): [string, string][] => {
          const alert = r.destinations[a.key];
          return alert === undefined ? [] : [[a.key, (a.describe ?? a.summary)(alert)]];
        }),
      })),
    ),
    layout,
  );
  const counts = (["high", "medium", "low", "informational"] as const)
    .map((s) => [s, compiled.rules.filter((r) => r.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const silent = compiled.unalerted.map((u) => `${u.key} (${u.criticality}, ${u.reason})`).join(", ");
  return [
    paragraph(`Alert policy ${file}: ${compiled.rules.length} alerted events (${counts})`, layout),
    rules,
    "",
    "Queries per destination",
    queries,
    "",
    ...detectionsSection(compiled, alerters, layout),
    paragraph(`Not alerted (still shipped and searchable): ${silent || "none"}`, layout),
    "",
  ].join("\n");
}

const LABEL: Record<SmokeStatus, string> = {
  pass: "PASS",
  fail: "FAIL",
  "sent-not-verified": "SENT, NOT VERIFIED",
};

export function renderSmokeTable(report: SmokeReport, layout: Layout): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  // Fitted: the detail goes under its check, the duration beside the result.
  const table = wide(layout)
    ? renderTable(
        ["Destination", "Check", "Result", "Duration", "Detail"],
        report.results.map((r) => [r.destination, r.check, LABEL[r.result], seconds(r.durationMs), r.detail]),
        layout,
        true,
      )
    : renderTable(
        ["Destination", "Result", "Check"],
        report.results.map((r) => [
          r.destination,
          `${LABEL[r.result]} (${seconds(r.durationMs)})`,
          `${r.check}\n${r.detail}`,
        ]),
        layout,
      );
  const { pass, fail } = report.counts;
  const unverified = report.counts["sent-not-verified"];
  const verdict = report.passed ? "PASSED" : "NOT PASSED";
  const summary = `Smoke test ${verdict} for ${report.stack}: ${pass} passed, ${fail} failed, ${unverified} sent but not verified (${seconds(report.durationMs)})`;
  return `${table}\n${paragraph(summary, layout)}\n`;
}
