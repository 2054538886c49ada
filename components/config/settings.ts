/**
 * Destination settings: one zod schema per destination (per-field rules) plus a check for rules
 * across fields, validated in one pass so every problem is reported at once, aws-cdk style. A
 * problem reads as a sentence about the field and its value (`retentionInDays 10 is not accepted
 * ...`); a missing or unknown field reads `field: ...`. The component throws these, the stack
 * config prefixes them with the config key, the send config with the file location.
 */
import { z } from "zod";
import { formatPath, type IssuePath } from "./yaml-file";

/** A whole number, also as text: `pulumi config set --path` may store numbers that way. */
export function wholeNumber(error = "must be a whole number") {
  return z.union(
    [
      z.int(),
      z
        .string()
        .regex(/^-?\d+$/)
        .transform(Number),
    ],
    { error },
  );
}

/** true or false, also as text (`pulumi config set --path` may store booleans that way). */
export function flag(error = "must be true or false") {
  return z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")], { error });
}

/** Customer names go into resource names and tags. */
export const customerName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
  error: "must be 1-40 lower-case letters, digits and dashes, e.g. contoso",
});

/** Non-empty text. */
export const text = (error = "must not be empty") => z.string({ error }).min(1, { error });

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

/** Whether an issue is about the shape of the settings (a missing or unknown field), not a value. */
export function isStructural(issue: z.core.$ZodIssue): boolean {
  return issue.code === "unrecognized_keys" || (issue.code === "invalid_type" && issue.input === undefined);
}

/** One issue as a sentence; `prefix` names where the settings live (e.g. `keytos-siem:<key>.`). */
export function describeIssue(issue: z.core.$ZodIssue, prefix = ""): string {
  const path = `${prefix}${formatPath(issue.path as IssuePath)}`.replace(/\.$/, "");
  const at = path ? `${path}: ` : "";
  if (issue.code === "unrecognized_keys") return `${at}${issue.message}`;
  if (issue.code === "invalid_type" && issue.input === undefined) return `${at}required, not set`;
  return `${path} ${show(issue.input)} ${issue.message}`;
}

export class SettingsError extends Error {
  constructor(
    /** What the settings configure, e.g. "<Title> destination". */
    readonly what: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `invalid ${what} settings: ${problems[0]}`
        : `invalid ${what} settings:\n  ${problems.join("\n  ")}`,
    );
    this.name = "SettingsError";
  }
}

export type SettingsResult<T> =
  | { ok: true; value: T }
  /** `issues`: the schema's; `checks`: the cross-field check's sentences. */
  | { ok: false; issues: z.core.$ZodIssue[]; checks: string[] };

/**
 * Every problem of a failed validation as sentences, in the order of the fields they are about
 * (a check's sentence starts with its field, as the schema's do); problems about no field last.
 */
export function problemsOf(
  r: { issues: z.core.$ZodIssue[]; checks: string[] },
  fields: readonly string[],
  prefix = "",
  /** Appended to an issue's sentence, e.g. the command that fixes it. */
  suffix: (issue: z.core.$ZodIssue) => string = () => "",
): string[] {
  const rank = (field: unknown) => {
    const i = fields.indexOf(String(field));
    return i < 0 ? fields.length : i;
  };
  const all = [
    ...r.issues.map((i) => ({ rank: rank(i.path[0]), text: describeIssue(i, prefix) + suffix(i) })),
    ...r.checks.map((c) => ({ rank: rank(/^\w+/.exec(c)?.[0]), text: `${prefix}${c}` })),
  ];
  return all.sort((a, b) => a.rank - b.rank).map((p) => p.text);
}

/**
 * Validates settings: the schema's per-field rules, then `check` for rules across fields. `check`
 * runs even when some fields are invalid, so one pass reports everything: it sees the fields that
 * passed (others absent) and `given`, the fields that were set at all.
 */
export function validateSettings<S extends z.ZodObject>(
  schema: S,
  raw: unknown,
  check?: (s: Partial<z.output<S>>, given: ReadonlySet<string>) => string[],
): SettingsResult<z.output<S>> {
  const parsed = schema.safeParse(raw, { reportInput: true });
  const input = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const given = new Set(Object.keys(input).filter((k) => input[k] !== undefined));
  if (parsed.success) {
    const checks = check?.(parsed.data, given) ?? [];
    return checks.length === 0 ? { ok: true, value: parsed.data } : { ok: false, issues: [], checks };
  }
  const issues = parsed.error.issues;
  const bad = new Set(issues.map((i) => i.path[0]));
  const valid: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    if (bad.has(key)) continue;
    const r = (field as z.ZodType).safeParse(input[key]);
    if (r.success && r.data !== undefined) valid[key] = r.data;
  }
  return { ok: false, issues, checks: check?.(valid as Partial<z.output<S>>, given) ?? [] };
}

/** A component's validated settings and customer, or a SettingsError listing every problem. */
export function settingsOrThrow<S extends z.ZodObject>(
  what: string,
  schema: S,
  args: { customer?: string; settings: unknown },
  check?: (s: Partial<z.output<S>>, given: ReadonlySet<string>) => string[],
): z.output<S> {
  const customer =
    args.customer === undefined
      ? { success: true as const }
      : customerName.safeParse(args.customer, { reportInput: true });
  const r = validateSettings(schema, args.settings, check);
  const problems = [
    ...(customer.success
      ? []
      : customer.error.issues.map((i) => describeIssue({ ...i, path: ["customer"] }))),
    ...(r.ok ? [] : problemsOf(r, Object.keys(schema.shape))),
  ];
  if (problems.length > 0 || !r.ok) throw new SettingsError(what, problems);
  return r.value;
}
