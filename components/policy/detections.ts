/**
 * The policy's custom detections compiled by every enabled destination's DetectionCompiler, in
 * one pass: a detection's own problems (fields, modifiers, condition) and what a destination
 * cannot express are all reported together, each naming the detection and the fix. Each
 * expressible detection then gets each enabled destination's alert, as an alerted event does.
 */
import type { FileIssue as PolicyIssue } from "../config/yaml-file";
import { type AlertCompiler, type DetectionContext, enabledCompilers, notifySection } from "./alerts";
import { parseDetection } from "./detection";
import { formatDuration } from "./duration";
import type { PolicyFile } from "./schema";

/** A custom detection with each enabled destination's alert, by destination key. */
export interface CompiledDetection<A extends object = Record<string, unknown>> extends DetectionContext {
  /** The detection block as written (Sigma's syntax): exported as a Sigma rule. */
  detection: Record<string, unknown>;
  /** Why each alerting destination left out of this detection's destinations could not express it. */
  inexpressible: Record<string, string>;
  destinations: Partial<A>;
}

const DEFAULT_WINDOW_S = 300;

export function compileDetections(
  policy: PolicyFile,
  alerters: readonly AlertCompiler[],
  issues: PolicyIssue[],
): CompiledDetection[] {
  const compiled: CompiledDetection[] = [];
  const ruleNames = new Set(policy.rules.map((r) => r.name));
  const defaults = policy.defaults ?? {};
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
    const enabled = enabledCompilers(d.destinations ?? defaults.destinations, alerters);
    const queries: Record<string, string> = {};
    const inexpressible: Record<string, string> = {};
    for (const a of alerters) {
      const result = a.detection?.(parsed.expr) ?? { unsupported: `${a.key} compiles no custom detections` };
      if ("query" in result) {
        if (enabled.includes(a)) queries[a.key] = result.query;
      } else if (!enabled.includes(a)) inexpressible[a.key] = result.unsupported;
      else
        issues.push({
          path: [...at, "detection"],
          message: `${result.unsupported}; remove ${a.key} from this detection's destinations`,
        });
    }
    const windowSeconds = d.window ?? defaults.window ?? DEFAULT_WINDOW_S;
    const context: DetectionContext = {
      kind: "detection",
      key: `detection:${d.name}`,
      slug: `detection-${d.name}`,
      name: d.name,
      title: `Detection ${d.name}`,
      description: d.description ?? `Custom detection ${d.name} of the alert policy.`,
      rule: d.name,
      severity: d.severity,
      window: formatDuration(windowSeconds),
      windowSeconds,
      threshold: d.threshold ?? defaults.threshold ?? 0,
      expr: parsed.expr,
      queries,
    };
    const destinations: Record<string, unknown> = {};
    for (const a of enabled) {
      if (queries[a.key] === undefined) continue;
      const notify = { ...notifySection(defaults.notify, a), ...notifySection(d.notify, a) };
      destinations[a.key] = a.compile(context, notify, defaults);
    }
    compiled.push({ ...context, detection: d.detection, inexpressible, destinations });
  });
  return compiled;
}
