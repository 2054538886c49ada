/**
 * `keytos-siem plan`: loads a stack config (Pulumi.<stack>.yaml, or any file of that shape),
 * runs the stack program offline under Pulumi's mocks and prints what `pulumi up` would create
 * and the alert matrix. The Pulumi runtime is imported lazily: other commands stay fast.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseYaml, readTextFile } from "../../components/config/yaml-file";
import type { Destination } from "../../components/destination";
import type { Plan } from "../../stacks/plan";
import { table } from "./table";

/** A command used wrongly: exit 1 with the message, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface PlanOptions {
  stack?: string;
  config?: string;
  policy?: string;
  json?: boolean;
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

export function stackFile(
  opts: Pick<PlanOptions, "stack" | "config">,
  root: string,
): { file: string; stack: string } {
  if (opts.config)
    return {
      file: opts.config,
      stack: opts.stack ?? path.basename(opts.config).replace(/^Pulumi\.|\.ya?ml$/g, ""),
    };
  if (!opts.stack) throw new UsageError("give --stack NAME (stacks/Pulumi.NAME.yaml) or --config FILE");
  return { file: path.join(root, "stacks", `Pulumi.${opts.stack}.yaml`), stack: opts.stack };
}

export async function runPlan(opts: PlanOptions, destinations: readonly Destination[]): Promise<Plan> {
  const root = projectRoot();
  const { file, stack } = stackFile(opts, root);
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

function settingsText(settings: Record<string, unknown>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("  ");
}

export function renderPlan(plan: Plan, destinations: readonly Destination[]): string {
  const width = Math.max(process.stdout.columns ?? 160, 120);
  const lines = [
    `Plan for stack ${plan.stack}: customer ${plan.customer}, policy ${plan.policyFile}; ${plan.totalResources} resources (offline, under Pulumi mocks; nothing was deployed)`,
    `Providers: ${plan.providers.map((p) => `${p.name} (${settingsText(p.settings)})`).join(", ") || "stack defaults"}`,
    "",
  ];
  for (const d of plan.destinations) {
    const counts = Object.entries(d.counts)
      .sort((a, b) => b[1] - a[1])
      .map(([t, n]) => `${n} ${short(t)}`)
      .join(", ");
    lines.push(`${d.destination} (${d.component}): ${d.resources.length} resources: ${counts}`);
    const t = table(["Type", "Name", "Key settings"], [24, 36, width - 66], true);
    for (const r of d.resources) t.push([short(r.type), r.name, settingsText(r.settings)]);
    lines.push(t.toString(), "");
  }
  const dests = destinations.filter((d) => d.alerts && plan.alerts.some((a) => a[d.key])).map((d) => d.key);
  if (dests.length === 0) {
    lines.push(
      `Alert matrix: none of this stack's destinations alert (${plan.alerts.length} policy rules unused here).`,
      "",
    );
    return lines.join("\n");
  }
  lines.push(
    `Alert matrix: ${plan.alerts.length} alerted events x ${dests.length} alerting destinations (${dests.join(", ") || "none"})`,
  );
  const fixed = [15, 10, 8, 5];
  const each =
    dests.length > 0
      ? Math.floor((width - fixed.reduce((a, b) => a + b, 0) - 6 - dests.length * 3) / dests.length)
      : 10;
  const t = table(
    ["Event", "Severity", "Window", "> N", ...dests],
    [...fixed, ...dests.map(() => Math.max(each, 24))],
    false,
  );
  for (const a of plan.alerts) {
    t.push([a.key, a.severity, a.window, String(a.threshold), ...dests.map((k) => String(a[k] ?? "-"))]);
  }
  lines.push(t.toString(), "");
  return lines.join("\n");
}
