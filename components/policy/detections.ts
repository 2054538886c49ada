/**
 * The policy's custom detections compiled by every enabled destination's DetectionCompiler, in
 * one pass: a detection's own problems (fields, modifiers, condition) and what a destination
 * cannot express are all reported together, each naming the detection and the fix.
 */
import type { FileIssue as PolicyIssue } from "../config/yaml-file";
import { type AlertCompiler, compilerNamed } from "./alerts";
import { type Expr, parseDetection } from "./detection";
import { formatDuration } from "./duration";
import type { PolicyFile } from "./schema";

export interface CompiledDetection {
  name: string;
  description?: string;
  severity: PolicyFile["rules"][number]["severity"];
  window: string;
  windowSeconds: number;
  threshold: number;
  /** The detection block as written (Sigma's syntax): exported as a Sigma rule. */
  detection: Record<string, unknown>;
  expr: Expr;
  /** Each enabled destination's query, by destination key. */
  queries: Record<string, string>;
}

const DEFAULT_WINDOW_S = 300;

export function compileDetections(
  policy: PolicyFile,
  alerters: readonly AlertCompiler[],
  issues: PolicyIssue[],
): CompiledDetection[] {
  const compiled: CompiledDetection[] = [];
  const ruleNames = new Set(policy.rules.map((r) => r.name));
  policy.detections?.forEach((d, k) => {
    const at = ["detections", k];
    if (ruleNames.has(d.name))
      issues.push({
        path: [...at, "name"],
        message: `"${d.name}" is also a rule's name: alerts are named after it`,
      });
    if (d.enabled === false || !d.detection) return;
    const parsed = parseDetection(d.detection);
    for (const message of parsed.issues) issues.push({ path: [...at, "detection"], message });
    if (!parsed.expr) return;
    const names = d.destinations ?? policy.defaults?.destinations;
    const enabled = names ? names.map((n) => compilerNamed(alerters, n) as AlertCompiler) : alerters;
    const queries: Record<string, string> = {};
    for (const a of enabled) {
      const result = a.detection?.(parsed.expr) ?? { unsupported: `${a.key} compiles no custom detections` };
      if ("query" in result) queries[a.key] = result.query;
      else
        issues.push({
          path: [...at, "detection"],
          message: `${result.unsupported}; remove ${a.key} from this detection's destinations`,
        });
    }
    const windowSeconds = d.window ?? policy.defaults?.window ?? DEFAULT_WINDOW_S;
    compiled.push({
      name: d.name,
      ...(d.description ? { description: d.description } : {}),
      severity: d.severity,
      window: formatDuration(windowSeconds),
      windowSeconds,
      threshold: d.threshold ?? policy.defaults?.threshold ?? 0,
      detection: d.detection,
      expr: parsed.expr,
      queries,
    });
  });
  return compiled;
}
