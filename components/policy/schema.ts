/**
 * Schema of the alert policy file (YAML). Every object is strict: an unknown field is an error
 * that lists the allowed ones, so a typo can never silently disable an alert.
 */
import { z } from "zod";
import { CRITICALITIES, PRODUCTS } from "../catalog/events";
import { strict } from "../config/yaml-file";

export const DESTINATIONS = ["cloudwatch", "datadog", "sentinel"] as const;
export type AlertDestination = (typeof DESTINATIONS)[number];

export const SEVERITIES = ["high", "medium", "low", "informational"] as const;
export type Severity = (typeof SEVERITIES)[number];

const ALL_CATEGORIES = [
  "ca",
  "certificate",
  "certificate-transparency",
  "network-scan",
  "internal-network-scan",
] as const;

const MIN_WINDOW_S = 300;
const MAX_WINDOW_S = 86400;

/** Window/duration: a whole number of minutes, hours or days, 5m to 1d (the range every destination accepts). */
export const duration = z
  .string({ error: 'must be a duration string such as "5m", "1h" or "1d"' })
  .transform((text, ctx) => {
    const m = /^(\d+)([mhd])$/.exec(text);
    const seconds = m ? Number(m[1]) * { m: 60, h: 3600, d: 86400 }[m[2] as "m" | "h" | "d"] : Number.NaN;
    if (!m || seconds < MIN_WINDOW_S || seconds > MAX_WINDOW_S) {
      ctx.addIssue({
        code: "custom",
        message: `bad duration "${text}": use a whole number with m, h or d, from 5m to 1d (e.g. 5m, 15m, 1h, 1d)`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const snsTopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
  error: "must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:secops-alerts",
});

const datadogHandle = z.string().regex(/^@[^\s@][^\s]*$/, {
  error: 'must be a Datadog @-handle like "@pagerduty-secops" or "@alice@example.com"',
});

export const notifySchema = strict({
  cloudwatch: strict({
    /** Email addresses subscribed to the alarm's SNS topic (each must confirm the subscription). */
    emails: z.array(z.email({ error: "must be an email address" })).optional(),
    /** Existing SNS topics to notify, in addition to (or instead of) the emails. */
    topicArns: z.array(snsTopicArn).optional(),
  }).optional(),
  datadog: strict({
    /** @-handles appended to the monitor message (people, Slack channels, PagerDuty services...). */
    handles: z.array(datadogHandle).optional(),
  }).optional(),
  sentinel: strict({
    /** Whether the analytics rule creates incidents (default true). */
    createIncident: z.boolean().optional(),
    /** Suppress the rule for this long after it fires (optional). */
    suppressFor: duration.optional(),
  }).optional(),
});
export type NotifyInput = z.input<typeof notifySchema>;

const eventId = z.int({ error: "must be a whole-number event id" }).positive();

/** Selects catalog events; criteria combine with AND, values within a list with OR. */
export const selectSchema = strict({
  products: z.array(z.enum(PRODUCTS)).min(1).optional(),
  categories: z.array(z.enum(ALL_CATEGORIES)).min(1).optional(),
  criticality: z.array(z.enum(CRITICALITIES)).min(1).optional(),
  /** Event ids; ids overlap between products, so `products` must name exactly one product. */
  ids: z.array(eventId).min(1).optional(),
});
export type Select = z.output<typeof selectSchema>;

const ruleName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
  error: "must be lower-case letters, digits and dashes, e.g. high-criticality",
});

export const ruleSchema = strict({
  name: ruleName,
  description: z.string().optional(),
  select: selectSchema,
  severity: z.enum(SEVERITIES),
  window: duration.optional(),
  /** Alert when the count of matching events in the window is greater than this. */
  threshold: z.int().min(0).optional(),
  destinations: z.array(z.enum(DESTINATIONS)).min(1).optional(),
  notify: notifySchema.optional(),
  enabled: z.boolean().optional(),
});

export const policySchema = strict({
  version: z.literal(1, { error: "must be 1 (the only policy format version)" }),
  description: z.string().optional(),
  defaults: strict({
    window: duration.optional(),
    threshold: z.int().min(0).optional(),
    destinations: z.array(z.enum(DESTINATIONS)).min(1).optional(),
    notify: notifySchema.optional(),
    /** CloudWatch metric namespace for the metric filters. */
    metricNamespace: z.string().optional(),
  }).optional(),
  /** Re-rate events before selection (EZMonitor criticalities are this toolkit's defaults). */
  criticality: z.array(strict({ select: selectSchema, criticality: z.enum(CRITICALITIES) })).optional(),
  /** Rules apply in order; an event is alerted by the first rule that selects it. */
  rules: z.array(ruleSchema).min(1, { error: "a policy needs at least one rule" }),
  /** Events never alerted, whatever the rules select. */
  exclude: z.array(selectSchema).optional(),
});

export type PolicyFile = z.output<typeof policySchema>;
export type RuleInput = z.output<typeof ruleSchema>;
