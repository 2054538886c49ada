/**
 * Human-readable tables for the CLI (cli-table3). JSON output bypasses these entirely.
 */
import type { CatalogEvent } from "../../components/catalog/events";
import type { AlertCompiler } from "../../components/policy/alerts";
import type { CompiledPolicy } from "../../components/policy/compile";
import { table, widths } from "./table";

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

export function renderCompiled(
  file: string,
  compiled: CompiledPolicy,
  alerters: readonly AlertCompiler[],
): string {
  const rules = table(
    ["Event", "Crit.", "Severity", "Window", "> N", "Rule", "Summary"],
    widths([15, 8, 10, 8, 5, 20], 30),
  );
  for (const r of compiled.rules) {
    rules.push([r.key, r.criticality, r.severity, r.window, String(r.threshold), r.rule, r.name]);
  }
  const queries = table(["Event", "Destination", "Query"], widths([15, 12], 50), false);
  for (const r of compiled.rules) {
    for (const a of alerters) {
      const alert = r.destinations[a.key];
      if (alert !== undefined) queries.push([r.key, a.key, (a.describe ?? a.summary)(alert)]);
    }
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
