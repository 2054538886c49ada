/**
 * Log-monitor settings for a compiled rule, as plain data (unit-tested; the component only
 * passes them to datadog.Monitor). Rare, high-signal security events: one notification per
 * incident (no renotify), no-data is normal (not an alert), sample logs in the notification.
 */
import { PRODUCT_FACTS } from "../catalog/products";
import type { CompiledRule } from "../policy/compile";
import { datadogAlertOf } from "./alerts";

export interface MonitorSpec {
  name: string;
  type: "log alert";
  query: string;
  message: string;
  priority: string;
  tags: string[];
  monitorThresholds: { critical: string };
  notifyNoData: false;
  onMissingData: "default";
  renotifyInterval: 0;
  requireFullWindow: false;
  includeTags: true;
  enableLogsSample: true;
  notifyAudit: false;
}

/** Monitor for one rule; undefined when the rule has no datadog part. */
export function monitorSpec(rule: CompiledRule, customer: string): MonitorSpec | undefined {
  const dd = datadogAlertOf(rule);
  if (!dd) return undefined;
  const idLabel = `${PRODUCT_FACTS[rule.product].idLabel} ${rule.id}`;
  const handles = dd.handles.length > 0 ? `\n\nNotify: ${dd.handles.join(" ")}` : "";
  return {
    name: `[keytos-siem ${customer}] ${rule.product} ${idLabel}: ${rule.name}`,
    type: "log alert",
    query: dd.query,
    message:
      [
        `**${rule.product} ${idLabel} — ${rule.name}** (criticality ${rule.criticality}, severity ${rule.severity})`,
        "",
        rule.description,
        "",
        `Response: ${rule.response}`,
        "",
        `More than ${rule.threshold} matching event(s) in the last ${rule.window}: \`${dd.search}\`. Policy rule: ${rule.rule}.`,
      ].join("\n") + handles,
    priority: String(dd.priority),
    tags: [...dd.tags, `customer:${customer}`, "managed-by:keytos-siem"].sort(),
    monitorThresholds: { critical: String(rule.threshold) },
    notifyNoData: false,
    onMissingData: "default",
    renotifyInterval: 0,
    requireFullWindow: false,
    includeTags: true,
    enableLogsSample: true,
    notifyAudit: false,
  };
}
