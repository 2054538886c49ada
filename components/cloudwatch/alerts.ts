/**
 * The policy's alerts as CloudWatch metric filters + alarms. Filter patterns keep the guides'
 * exact shapes (data below, one per product):
 *   EZCA       { $.event.EventID = 4888 && $.source = "EZCA" }
 *   EZMonitor  { $.source = "EZMonitor" && $.sourcetype = "EZMonitor_Alerts" && $.event.VulnerabilityID = 18 }
 * Pure: the policy compiler, the component and the smoke check use it.
 */
import { z } from "zod";
import { envelopeKey } from "../catalog/envelope";
import { eventKey, type Product } from "../catalog/events";
import { sampleCatalog } from "../catalog/samples";
import { strict } from "../config/yaml-file";
import type { AlertCompiler, AlertContext, RuleContext } from "../policy/alerts";
import type { CompiledAlert } from "../policy/compile";
import { cloudwatchDetection } from "./detection";
import { filterPatternMatches, parseFilterPattern } from "./filter-pattern";
import { toCloudWatchEvent } from "./shape";

/** Namespace of the metrics the filters publish, unless the policy names another. */
export const DEFAULT_METRIC_NAMESPACE = "KeytosSIEM";

/** The guides' pattern per product. */
const GUIDE_PATTERNS: Record<Product, (id: number) => string> = {
  EZCA: (id) => `{ $.event.EventID = ${id} && $.source = "EZCA" }`,
  EZMonitor: (id) =>
    `{ $.source = "EZMonitor" && $.sourcetype = "EZMonitor_Alerts" && $.event.VulnerabilityID = ${id} }`,
};

export function cloudWatchFilterPattern(product: Product, id: number): string {
  if (!Number.isInteger(id) || id <= 0)
    throw new RangeError(`event id must be a positive integer, got ${id}`);
  return GUIDE_PATTERNS[product](id);
}

/** Metric name per event, e.g. `EZCA-4888`, `EZMonitor-18` (unique per (product, id)). */
export function cloudWatchMetricName(product: Product, id: number): string {
  return `${product}-${id}`;
}

/** The filter pattern and metric of an alert: the guide's per event, the detection's own per detection. */
function filterOf(rule: AlertContext): { pattern: string; metricName: string } {
  if (rule.kind === "detection")
    return { pattern: rule.queries.cloudwatch as string, metricName: `detection-${rule.name}` };
  return {
    pattern: cloudWatchFilterPattern(rule.product, rule.id),
    metricName: cloudWatchMetricName(rule.product, rule.id),
  };
}

/** Metric namespaces: 1-255 chars of letters, digits, `.-_/#:` and spaces, not starting with `AWS/`. */
const metricNamespace = z
  .string()
  .min(1, "must be 1 to 255 characters")
  .max(255, "must be 1 to 255 characters")
  .refine((ns) => !ns.startsWith("AWS/"), 'must not start with "AWS/" (reserved for AWS services)')
  .regex(/^[A-Za-z0-9.\-_/#: ]+$/, "may contain only letters, digits, spaces and . - _ / # :");

const notify = strict({
  /** Email addresses subscribed to the alarm's SNS topic (each must confirm the subscription). */
  emails: z.array(z.email({ error: "must be an email address" })).optional(),
  /** Existing SNS topics to notify, in addition to (or instead of) the emails. */
  topicArns: z
    .array(
      z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
        error: "must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:secops-alerts",
      }),
    )
    .optional(),
});

export interface CloudWatchAlert {
  pattern: string;
  metricNamespace: string;
  metricName: string;
  /** Alarm period in seconds (= the window), one evaluation period, Sum statistic. */
  period: number;
  evaluationPeriods: 1;
  statistic: "Sum";
  comparisonOperator: "GreaterThanThreshold";
  threshold: number;
  treatMissingData: "notBreaching";
  emails: string[];
  topicArns: string[];
}

/** This destination's alert of a compiled rule, if the rule has one. */
export const cloudwatchAlertOf = (rule: CompiledAlert) =>
  rule.destinations.cloudwatch as CloudWatchAlert | undefined;

export const cloudwatchAlerts: AlertCompiler<CloudWatchAlert, typeof notify> = {
  detection: cloudwatchDetection,
  key: "cloudwatch",
  notify,
  /** CloudWatch metric namespace for the metric filters. */
  defaults: { metricNamespace: metricNamespace.optional() },
  compile: (rule, n, defaults) => ({
    ...filterOf(rule),
    metricNamespace: (defaults.metricNamespace as string | undefined) ?? DEFAULT_METRIC_NAMESPACE,
    period: rule.windowSeconds,
    evaluationPeriods: 1,
    statistic: "Sum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: rule.threshold,
    treatMissingData: "notBreaching",
    emails: n.emails ?? [],
    topicArns: n.topicArns ?? [],
  }),
  notifies: (a) => a.emails.length + a.topicArns.length > 0,
  addTarget:
    "add notify.cloudwatch.emails or .topicArns (policy defaults or this rule), or the stack's keytos-siem:cloudwatch.alarmTopicArn",
  summary: (a) => a.pattern,
  describe: (a) => `${a.pattern}\nmetric ${a.metricNamespace}/${a.metricName}`,
  verify: (a, rule: RuleContext) => {
    let tree: ReturnType<typeof parseFilterPattern>;
    try {
      tree = parseFilterPattern(a.pattern);
    } catch (err) {
      return [(err as Error).message];
    }
    const matched = sampleCatalog()
      .filter((s) => filterPatternMatches(tree, toCloudWatchEvent(s).message))
      .map((s) => eventKey(envelopeKey(s).product, envelopeKey(s).id));
    return matched.length === 1 && matched[0] === rule.key
      ? []
      : [
          `pattern ${a.pattern} matches ${matched.join(", ") || "no"} catalog sample(s), not exactly ${rule.key}`,
        ];
  },
};
