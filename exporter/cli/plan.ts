/**
 * `keytos-siem plan`: loads a stack config (Pulumi.<stack>.yaml, or any file of that shape),
 * runs the stack program offline under Pulumi's mocks and prints what `pulumi up` would create
 * and the alert matrix. The Pulumi runtime is imported lazily: other commands stay fast.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseYaml, readTextFile } from "../../components/config/yaml-file";
import type { Destination } from "../../components/destination";
import { namespaceConfig } from "../../stacks/config";
import type { Plan } from "../../stacks/plan";
import { UsageError } from "./errors";
import { queryRows } from "./render";
import { columnWidths, type Layout, paragraph, renderTable } from "./table";

export interface PlanOptions {
  stack?: string;
  config?: string;
  policy?: string;
  json?: boolean;
  wide?: boolean;
}

/** The project root: the nearest folder up from `from` holding Pulumi.yaml (else this package's). */
export function projectRoot(from = process.cwd()): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, "..", "..");
  }
}

// `secure:` values are ciphertext only the Pulumi CLI can open; plan needs none of them.
const stackFileSchema = z.object({ config: z.record(z.string(), z.unknown()).default({}) });

/** A stack `plan --stack` can plan: stacks/Pulumi.<name>.yaml. */
export interface StackEntry {
  name: string;
  /** Relative to the project root. */
  file: string;
  customer?: string;
  /** Keys of the destinations it enables, in registry order. */
  destinations: string[];
  /** Why the file cannot be planned as it is (the first line of the problem). */
  problem?: string;
}

const STACK_FILE = /^Pulumi\.(.+)\.ya?ml$/;

/** The stack files under <root>/stacks, by name, with their customer and enabled destinations. */
export function listStacks(root: string, destinations: readonly Destination[]): StackEntry[] {
  const dir = path.join(root, "stacks");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => STACK_FILE.test(f)) : [];
  return files.sort().map((f) => {
    const entry = { name: STACK_FILE.exec(f)?.[1] as string, file: path.join("stacks", f) };
    try {
      const { value } = parseYaml(
        stackFileSchema,
        readTextFile(path.join(dir, f), "stack config"),
        entry.file,
        "stack config",
      );
      const c = namespaceConfig(value.config);
      return {
        ...entry,
        customer: typeof c.customer === "string" ? c.customer : "default",
        destinations: destinations.filter((d) => c[d.key] !== undefined).map((d) => d.key),
      };
    } catch (err) {
      return { ...entry, destinations: [], problem: (err as Error).message.split("\n")[0] };
    }
  });
}

const HOW_TO_PICK =
  "keytos-siem plan --stack NAME (stacks/Pulumi.NAME.yaml), or --config FILE for a stack file elsewhere";

/** What `plan` without --stack or --config prints: the stacks and how to pick one. */
export function renderStackList(stacks: readonly StackEntry[]): string {
  const width = Math.max(...stacks.map((s) => s.name.length));
  const lines = stacks.map((s) => {
    const what = s.problem ?? `customer ${s.customer}: ${s.destinations.join(", ") || "no destination"}`;
    return `  ${s.name.padEnd(width)}  ${what}`;
  });
  const first = stacks[0]?.name ?? "NAME";
  return [
    "Stacks you can plan (stacks/Pulumi.<name>.yaml):",
    ...lines,
    "",
    `Plan one: keytos-siem plan --stack ${first}`,
    "(a stack file elsewhere: keytos-siem plan --config FILE)",
    "",
  ].join("\n");
}

/** The stack file to plan and its name; an unknown stack names the ones there are. */
export function stackFile(
  opts: Pick<PlanOptions, "stack" | "config">,
  root: string,
  destinations: readonly Destination[],
): { file: string; stack: string } {
  if (opts.config)
    return {
      file: opts.config,
      stack: opts.stack ?? path.basename(opts.config).replace(/^Pulumi\.|\.ya?ml$/g, ""),
    };
  if (!opts.stack) throw new UsageError(`give ${HOW_TO_PICK}`);
  const file = path.join(root, "stacks", `Pulumi.${opts.stack}.yaml`);
  if (!existsSync(file)) {
    const known = listStacks(root, destinations).map((s) => s.name);
    throw new UsageError(
      `unknown stack "${opts.stack}": there is no stacks/Pulumi.${opts.stack}.yaml; ` +
        (known.length > 0
          ? `stacks you can plan: ${known.join(", ")} (or give --config FILE)`
          : "create it, or give --config FILE"),
    );
  }
  return { file, stack: opts.stack };
}

export async function runPlan(opts: PlanOptions, destinations: readonly Destination[]): Promise<Plan> {
  const root = projectRoot();
  const { file, stack } = stackFile(opts, root, destinations);
  const { value } = parseYaml(stackFileSchema, readTextFile(file, "stack config"), file, "stack config");
  // require, not import(): loaded on demand (Pulumi and the providers take a second) in CommonJS.
  const { planStack } = require("../../stacks/plan") as typeof import("../../stacks/plan");
  return planStack(value.config, {
    stack,
    projectRoot: root,
    destinations,
    ...(opts.policy ? { policyFile: path.resolve(opts.policy) } : {}),
  });
}

const short = (type: string) => type.split(/[:/]/).pop() ?? type;

const settingTexts = (settings: Record<string, unknown>) =>
  Object.entries(settings).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);

/** Narrowest a destination's query column may be before the matrix gives way to one row per query. */
const MIN_QUERY_WIDTH = 30;

/** The alert matrix: event x destination when its query columns fit, else one row per query. */
function alertMatrix(plan: Plan, dests: string[], layout: Layout): string {
  const head = ["Event", "Severity", "Window", "> N", ...dests];
  const rows = plan.alerts.map((a) => [
    a.key,
    a.severity,
    a.window,
    String(a.threshold),
    ...dests.map((k) => String(a[k] ?? "-")),
  ]);
  const naturals = columnWidths(head, rows, {});
  const fits = columnWidths(head, rows, layout)
    .slice(4)
    .every((w, i) => w >= Math.min(MIN_QUERY_WIDTH, naturals[4 + i] as number));
  if (fits) return renderTable(head, rows, layout);
  return renderTable(
    ["Event", "Destination", "Query"],
    queryRows(
      plan.alerts.map((a) => ({
        event: `${a.key}\n${a.severity}\n> ${a.threshold} in ${a.window}`,
        queries: dests.flatMap((k): [string, string][] => (a[k] === undefined ? [] : [[k, String(a[k])]])),
      })),
    ),
    layout,
  );
}

/** "27 alerted events", or "27 alerted events + 2 custom detections". */
function alertCount(plan: Plan): string {
  const detections = plan.alerts.filter((a) => a.key.startsWith("detection:")).length;
  const events = `${plan.alerts.length - detections} alerted events`;
  return detections ? `${events} + ${detections} custom detection${detections > 1 ? "s" : ""}` : events;
}

export function renderPlan(plan: Plan, destinations: readonly Destination[], layout: Layout): string {
  const wide = layout.width === undefined;
  const providers = plan.providers.map((p) => `${p.name} (${settingTexts(p.settings).join("  ")})`);
  const lines = [
    paragraph(
      `Plan for stack ${plan.stack}: customer ${plan.customer}, policy ${plan.policyFile}; ${plan.totalResources} resources (offline, under Pulumi mocks; nothing was deployed)`,
      layout,
    ),
    paragraph(`Providers: ${providers.join(", ") || "stack defaults"}`, layout),
    "",
  ];
  for (const d of plan.destinations) {
    const counts = Object.entries(d.counts)
      .sort((a, b) => b[1] - a[1])
      .map(([t, n]) => `${n} ${short(t)}`)
      .join(", ");
    lines.push(
      paragraph(`${d.destination} (${d.component}): ${d.resources.length} resources: ${counts}`, layout),
    );
    // Wide: type, name and settings on one line. Fitted: the name under its type, one setting a line.
    const table = wide
      ? renderTable(
          ["Type", "Name", "Key settings"],
          d.resources.map((r) => [short(r.type), r.name, settingTexts(r.settings).join("  ")]),
          layout,
          true,
        )
      : renderTable(
          ["Resource", "Key settings"],
          d.resources.map((r) => [`${short(r.type)}\n${r.name}`, settingTexts(r.settings).join("\n")]),
          layout,
        );
    lines.push(table, "");
  }
  const dests = destinations.filter((d) => d.alerts && plan.alerts.some((a) => a[d.key])).map((d) => d.key);
  if (dests.length === 0) {
    lines.push(
      paragraph(
        `Alert matrix: none of this stack's destinations alert (${plan.alerts.length} policy rules unused here).`,
        layout,
      ),
      "",
    );
    return lines.join("\n");
  }
  lines.push(
    paragraph(
      `Alert matrix: ${alertCount(plan)} x ${dests.length} alerting destinations (${dests.join(", ")})`,
      layout,
    ),
    alertMatrix(plan, dests, layout),
    "",
  );
  return lines.join("\n");
}
