/**
 * Alerts that notify nobody (an alarm without an action, a monitor without a handle, a rule
 * that creates no incident) fire where no one looks. Each
 * destination's compiler says whether its alert has a target; this finds the ones without,
 * one warning per policy rule and destination. Pure; names no destination.
 */
import type { AlertCompiler } from "./alerts";
import { alertsOf, type CompiledPolicy } from "./compile";

export interface SilentAlerts {
  /** The policy rule (or custom detection) whose alerts notify nobody. */
  rule: string;
  /** The destination key. */
  destination: string;
  /** The alerted events, e.g. "EZCA:4888". */
  events: string[];
  /** One line: the rule, the destination, the events, and how to add a target. */
  message: string;
}

/** Up to `shown` items, then "and N more". */
function abbreviated(items: readonly string[], shown = 4): string {
  if (items.length <= shown) return items.join(", ");
  return `${items.slice(0, shown).join(", ")} and ${items.length - shown} more`;
}

/**
 * The policy's alerts that notify nobody, in policy order. Notify settings are per policy rule,
 * so a rule's alerts at one destination all have a target or none has.
 */
export function silentAlerts(
  policy: Pick<CompiledPolicy, "rules" | "detections">,
  alerters: readonly AlertCompiler[],
): SilentAlerts[] {
  const found = new Map<string, { rule: string; what: string; compiler: AlertCompiler; events: string[] }>();
  for (const rule of alertsOf(policy)) {
    for (const a of alerters) {
      const alert = rule.destinations[a.key];
      if (alert === undefined || a.notifies(alert)) continue;
      const what = rule.kind === "event" ? "policy rule" : "policy detection";
      const id = `${what}\0${rule.rule}\0${a.key}`;
      const group = found.get(id) ?? { rule: rule.rule, what, compiler: a, events: [] };
      group.events.push(rule.key);
      found.set(id, group);
    }
  }
  return [...found.values()].map(({ rule, what: kind, compiler, events }) => {
    const what = events.length === 1 ? "alert notifies" : "alerts notify";
    return {
      rule,
      destination: compiler.key,
      events,
      message: `${kind} "${rule}": ${events.length} ${compiler.key} ${what} nobody (${abbreviated(events)}); ${compiler.addTarget}`,
    };
  });
}
