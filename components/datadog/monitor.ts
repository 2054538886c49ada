/**
 * Log-monitor settings for a compiled rule, as plain data (unit-tested; the component only
 * passes them to datadog.Monitor). Rare, high-signal security events: one notification per
 * incident (no renotify), no-data is normal (not an alert), sample logs in the notification.
 */
import { PRODUCT_FACTS } from "../catalog/products";
import type { CompiledAlert } from "../policy/compile";
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

/** The message's heading and body: the event's facts and response, or the detection's description. */
function about(rule: CompiledAlert): string[] {
  if (rule.kind === "detection")
    return [`**Detection ${rule.name}** (severity ${rule.severity})`, "", rule.description];
  return [
    `**${rule.product} ${PRODUCT_FACTS[rule.product].idLabel} ${rule.id} — ${rule.name}** (criticality ${rule.criticality}, severity ${rule.severity})`,
    "",
    rule.description,
    "",
    `Response: ${rule.response}`,
  ];
}

/** Monitor for one alert (event or detection); undefined when it has no datadog part. */
export function monitorSpec(rule: CompiledAlert, customer: string): MonitorSpec | undefined {
  const dd = datadogAlertOf(rule);
  if (!dd) return undefined;
  const handles = dd.handles.length > 0 ? `\n\nNotify: ${dd.handles.join(" ")}` : "";
  const from = rule.kind === "event" ? `Policy rule: ${rule.rule}` : `Policy detection: ${rule.name}`;
  return {
    name: `[keytos-siem ${customer}] ${rule.title}`,
    type: "log alert",
    query: dd.query,
    message:
      [
        ...about(rule),
        "",
        `More than ${rule.threshold} matching event(s) in the last ${rule.window}: \`${dd.search}\`. ${from}.`,
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
