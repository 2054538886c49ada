/**
 * Human-readable tables for the CLI (cli-table3). JSON output bypasses these entirely.
 */
import Table from "cli-table3";
import type { CatalogEvent } from "../../components/catalog/events";
import type { CompiledPolicy } from "../../components/policy/compile";

/** Column widths that fit the terminal; the last (widest) column takes what is left. */
function widths(fixed: number[], min = 30): number[] {
  const total = Math.max(process.stdout.columns ?? 140, 100);
  const used = fixed.reduce((a, b) => a + b, 0) + fixed.length + 2;
  return [...fixed, Math.max(total - used - 1, min)];
}

const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

function table(head: string[], colWidths: number[], compact = true): Table.Table {
  return new Table({
    head,
    colWidths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [] },
    ...(compact ? { chars: COMPACT } : {}),
  });
}

export function renderCatalog(events: readonly CatalogEvent[]): string {
  const t = table(["Product", "ID", "Category", "Criticality", "Summary"], widths([11, 6, 26, 13], 40));
  for (const e of events) {
    const crit = e.criticalitySource === "toolkit" ? `${e.criticality}*` : e.criticality;
    t.push([e.product, String(e.id), e.category, crit, e.summary]);
  }
  const note =
    "* criticality assigned by keytos-siem (the guides give none for EZMonitor); `catalog --json` has each reason. Override in the policy's `criticality:` list.";
  return `${t.toString()}\n${note}\n`;
}

export function renderCompiled(file: string, compiled: CompiledPolicy): string {
  const rules = table(
    ["Event", "Crit.", "Severity", "Window", "> N", "Rule", "Summary"],
    widths([15, 8, 10, 8, 5, 20], 30),
  );
  for (const r of compiled.rules) {
    rules.push([r.key, r.criticality, r.severity, r.window, String(r.threshold), r.rule, r.name]);
  }
  const queries = table(["Event", "Destination", "Query"], widths([15, 12], 50), false);
  for (const r of compiled.rules) {
    const { cloudwatch, datadog, sentinel } = r.destinations;
    if (cloudwatch)
      queries.push([
        r.key,
        "cloudwatch",
        `${cloudwatch.pattern}\nmetric ${cloudwatch.metricNamespace}/${cloudwatch.metricName}`,
      ]);
    if (datadog) queries.push([r.key, "datadog", datadog.query]);
    if (sentinel) queries.push([r.key, "sentinel", sentinel.kql]);
  }
  const counts = (["high", "medium", "low", "informational"] as const)
    .map((s) => [s, compiled.rules.filter((r) => r.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const silent = compiled.unalerted.map((u) => `${u.key} (${u.criticality}, ${u.reason})`).join(", ");
  return [
    `Alert policy ${file}: ${compiled.rules.length} alerted events (${counts})`,
    rules.toString(),
    "",
    "Queries per destination",
    queries.toString(),
    "",
    `Not alerted (still shipped and searchable): ${silent || "none"}`,
    "",
  ].join("\n");
}
