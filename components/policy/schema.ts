/**
 * Schema of the alert policy file (YAML), built from the alert compilers it is given: they decide
 * which `destinations:` names and `notify:` sections exist. Every object is strict: an unknown
 * field is an error that lists the allowed ones, so a typo can never silently disable an alert.
 */
import { z } from "zod";
import { CATEGORIES, CRITICALITIES, PRODUCTS } from "../catalog/events";
import { strict } from "../config/yaml-file";
import { type AlertCompiler, namesOf } from "./alerts";

export const SEVERITIES = ["high", "medium", "low", "informational"] as const;
export type Severity = (typeof SEVERITIES)[number];

const ALL_CATEGORIES = Object.values(CATEGORIES).flat() as [string, ...string[]];

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

/** The policy schema for these alert compilers (their keys and aliases, notify sections, defaults). */
export function policySchema(alerters: readonly AlertCompiler[]) {
  const names = alerters.flatMap(namesOf);
  const destinations = z
    .array(z.enum(names as [string, ...string[]], { error: `must be one of ${names.join(", ")}` }))
    .min(1);
  const notify = strict(
    Object.fromEntries(alerters.flatMap((a) => namesOf(a).map((n) => [n, a.notify.optional()]))),
  );
  /** What a rule and a custom detection both say about their alert. */
  const alert = {
    severity: z.enum(SEVERITIES),
    window: duration.optional(),
    /** Alert when the count of matching events in the window is greater than this. */
    threshold: z.int().min(0).optional(),
    destinations: destinations.optional(),
    notify: notify.optional(),
    enabled: z.boolean().optional(),
  };
  const rule = strict({
    name: ruleName,
    description: z.string().optional(),
    select: selectSchema,
    ...alert,
  });
  return strict({
    version: z.literal(1, { error: "must be 1 (the only policy format version)" }),
    description: z.string().optional(),
    defaults: strict({
      window: duration.optional(),
      threshold: z.int().min(0).optional(),
      destinations: destinations.optional(),
      notify: notify.optional(),
      // The compilers' own fields; they read them back from the parsed defaults.
      ...(Object.assign({}, ...alerters.map((a) => a.defaults ?? {})) as Record<never, never>),
    }).optional(),
    /** Re-rate events before selection (EZMonitor criticalities are this toolkit's defaults). */
    criticality: z.array(strict({ select: selectSchema, criticality: z.enum(CRITICALITIES) })).optional(),
    /** Rules apply in order; an event is alerted by the first rule that selects it. */
    rules: z.array(rule).min(1, { error: "a policy needs at least one rule" }),
    /** Events never alerted, whatever the rules select. */
    exclude: z.array(selectSchema).optional(),
    /** Custom detections: Sigma detection syntax over the envelope's fields, or a Sigma rule file. */
    detections: z
      .array(
        strict({
          name: ruleName,
          description: z.string().optional(),
          /** Sigma's detection block: named selections and a condition (components/policy/detection.ts). */
          detection: z.record(z.string(), z.unknown()).optional(),
          /** A Sigma rule file (relative to the policy file) whose detection this is. */
          sigma: z.string().min(1).optional(),
          ...alert, // a threshold is exported to Sigma as a correlation rule (a count)
        }).refine((d) => (d.detection === undefined) !== (d.sigma === undefined), {
          error: "give either detection: (Sigma detection syntax) or sigma: <rule file>, not both",
        }),
      )
      .optional(),
  });
}

type Schema = ReturnType<typeof policySchema>;
export type PolicyFile = z.output<Schema>;
export type PolicyRule = PolicyFile["rules"][number];
