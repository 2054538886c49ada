/**
 * Compiles one catalog + one alert policy into one rule per alerted event, with every enabled
 * destination's alert, each built by that destination's AlertCompiler. Pure: the CLI, the Pulumi
 * components and the smoke test all consume this output. Names no destination.
 *
 * Semantics: criticality overrides apply first; `exclude` removes events; rules apply in order
 * and an event is alerted by the first rule that selects it. A selection that names an unknown
 * id or category, selects nothing, or is entirely shadowed by earlier rules is an error.
 */
import {
  CATALOG,
  CATEGORIES,
  type CatalogEvent,
  type Criticality,
  eventKey,
  PRODUCTS,
  type Product,
} from "../catalog/events";
import { PRODUCT_FACTS } from "../catalog/products";
import { formatPath, type IssuePath, type FileIssue as PolicyIssue } from "../config/yaml-file";
import { type AlertCompiler, enabledCompilers, notifySection, type RuleContext } from "./alerts";
import { type CompiledDetection, compileDetections } from "./detections";
import { formatDuration } from "./duration";
import { type PolicyFile, type PolicyRule, type Select, selectSchema } from "./schema";

/** An alerted event with each enabled destination's alert, by destination key. */
export interface CompiledRule<A extends object = Record<string, unknown>> extends RuleContext {
  destinations: Partial<A>;
}

/** Any alert the policy makes (an alerted event or a custom detection): what destinations deploy. */
export type CompiledAlert<A extends object = Record<string, unknown>> =
  | CompiledRule<A>
  | CompiledDetection<A>;

export interface CompiledPolicy<A extends object = Record<string, unknown>> {
  rules: CompiledRule<A>[];
  /** Catalog events no rule alerts on (excluded, or not selected). */
  unalerted: { key: string; criticality: Criticality; reason: "excluded" | "not selected" }[];
  /** The policy's custom detections, when it has any. */
  detections?: CompiledDetection<A>[];
}

/** Every alert of a compiled policy: its alerted events, then its custom detections. */
export const alertsOf = <A extends object>(
  policy: Pick<CompiledPolicy<A>, "rules" | "detections">,
): CompiledAlert<A>[] => [...policy.rules, ...(policy.detections ?? [])];

/** Thrown by compilePolicy with every semantic problem found (paths into the policy file). */
export class PolicySemanticError extends Error {
  constructor(readonly issues: PolicyIssue[]) {
    super(issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; "));
    this.name = "PolicySemanticError";
  }
}

const DEFAULT_WINDOW_S = 300;

/** Reports what is wrong with a selection; returns false if it has problems of its own. */
function checkSelect(
  sel: Select,
  path: IssuePath,
  issues: PolicyIssue[],
  catalog: readonly CatalogEvent[],
): boolean {
  const before = issues.length;
  if (!sel.products && !sel.categories && !sel.criticality && !sel.ids) {
    issues.push({ path, message: "select must name at least one of products, categories, criticality, ids" });
    return false;
  }
  const products: readonly Product[] = sel.products ?? PRODUCTS;
  sel.categories?.forEach((cat, i) => {
    if (!products.some((p) => (CATEGORIES[p] as readonly string[]).includes(cat))) {
      const allowed = products.map((p) => `${p}: ${CATEGORIES[p].join(", ")}`).join("; ");
      issues.push({
        path: [...path, "categories", i],
        message: `category "${cat}" is not in ${products.join("/")} (${allowed})`,
      });
    }
  });
  if (!sel.ids) return issues.length === before;
  if (sel.products?.length !== 1) {
    issues.push({
      path: [...path, "ids"],
      message:
        "ids overlap between EZCA and EZMonitor: add products: [EZCA] or products: [EZMonitor] to this select",
    });
    return false;
  }
  const product = sel.products[0] as Product;
  sel.ids.forEach((id, i) => {
    if (!catalog.some((e) => e.product === product && e.id === id)) {
      const known = catalog.filter((e) => e.product === product).map((e) => e.id);
      issues.push({
        path: [...path, "ids", i],
        message: `unknown ${product} event id ${id}; known ${product} ids: ${known.join(", ")}`,
      });
    }
  });
  return issues.length === before;
}

/** A rule's name must be unique: alerts, tags and monitors are named after it. */
function checkName(name: string, r: number, names: Map<string, number>, issues: PolicyIssue[]): void {
  const prev = names.get(name);
  if (prev !== undefined) {
    issues.push({
      path: ["rules", r, "name"],
      message: `duplicate rule name "${name}" (also rules[${prev}])`,
    });
  }
  names.set(name, r);
}

const entries = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/**
 * The checks of compilePolicy that need no other part of the policy (each selection's ids and
 * categories, unique rule names), run on a policy that failed its schema, so one pass reports
 * them with the schema's problems. A selection the schema refuses is left to the schema's
 * message; checks across rules (shadowed, selects nothing) wait for a valid policy, as they
 * depend on every rule before.
 */
export function standaloneIssues(raw: unknown, catalog: readonly CatalogEvent[] = CATALOG): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const check = (value: unknown, path: IssuePath) => {
    const sel = selectSchema.safeParse(value);
    if (sel.success) checkSelect(sel.data, path, issues, catalog);
  };
  for (const [i, o] of entries(field(raw, "criticality")).entries()) {
    check(field(o, "select"), ["criticality", i, "select"]);
  }
  for (const [i, sel] of entries(field(raw, "exclude")).entries()) check(sel, ["exclude", i]);
  const names = new Map<string, number>();
  entries(field(raw, "rules")).forEach((rule, r) => {
    const name = field(rule, "name");
    if (typeof name === "string") checkName(name, r, names, issues);
    check(field(rule, "select"), ["rules", r, "select"]);
  });
  return issues;
}

function selects(sel: Select, event: CatalogEvent, criticality: Criticality): boolean {
  return (
    (!sel.products || sel.products.includes(event.product)) &&
    (!sel.categories || (sel.categories as string[]).includes(event.category)) &&
    (!sel.criticality || sel.criticality.includes(criticality)) &&
    (!sel.ids || sel.ids.includes(event.id))
  );
}

export function compilePolicy(
  policy: PolicyFile,
  alerters: readonly AlertCompiler[],
  catalog: readonly CatalogEvent[] = CATALOG,
): CompiledPolicy {
  const issues: PolicyIssue[] = [];

  // 1. Criticality overrides, in order (later overrides win).
  const criticality = new Map(catalog.map((e) => [eventKey(e.product, e.id), e.criticality]));
  policy.criticality?.forEach((o, i) => {
    const valid = checkSelect(o.select, ["criticality", i, "select"], issues, catalog);
    const hit = catalog.filter((e) => selects(o.select, e, e.criticality));
    if (valid && hit.length === 0)
      issues.push({ path: ["criticality", i, "select"], message: "selects no catalog event" });
    for (const e of hit) criticality.set(eventKey(e.product, e.id), o.criticality);
  });
  const critOf = (e: CatalogEvent) => criticality.get(eventKey(e.product, e.id)) as Criticality;

  // 2. Exclusions.
  const excluded = new Set<string>();
  policy.exclude?.forEach((sel, i) => {
    const valid = checkSelect(sel, ["exclude", i], issues, catalog);
    const hit = catalog.filter((e) => selects(sel, e, critOf(e)));
    if (valid && hit.length === 0) issues.push({ path: ["exclude", i], message: "selects no catalog event" });
    for (const e of hit) excluded.add(eventKey(e.product, e.id));
  });

  // 3. Rules, first match wins.
  const claimedBy = new Map<string, string>();
  const names = new Map<string, number>();
  const rules: CompiledRule[] = [];
  policy.rules.forEach((rule, r) => {
    const path: IssuePath = ["rules", r];
    checkName(rule.name, r, names, issues);
    const valid = checkSelect(rule.select, [...path, "select"], issues, catalog);
    if (rule.enabled === false || !valid) return;
    const selected = catalog.filter((e) => selects(rule.select, e, critOf(e)));
    const fresh = selected.filter(
      (e) => !excluded.has(eventKey(e.product, e.id)) && !claimedBy.has(eventKey(e.product, e.id)),
    );
    if (selected.length === 0) {
      issues.push({
        path: [...path, "select"],
        message: "selects no catalog event (check criticality after overrides)",
      });
    } else if (fresh.length === 0) {
      const owners = [
        ...new Set(selected.map((e) => claimedBy.get(eventKey(e.product, e.id))).filter(Boolean)),
      ];
      const why = owners.length ? `already alerted by earlier rule(s) ${owners.join(", ")}` : "excluded";
      issues.push({
        path: [...path, "select"],
        message: `every event this rule selects is ${why}; rules apply in order, first match wins`,
      });
    }
    for (const e of fresh) {
      claimedBy.set(eventKey(e.product, e.id), rule.name);
      rules.push(compileRule(e, critOf(e), rule, policy, alerters));
    }
  });

  const detections = compileDetections(policy, alerters, issues);
  if (issues.length > 0) throw new PolicySemanticError(issues);
  const unalerted = catalog
    .filter((e) => !claimedBy.has(eventKey(e.product, e.id)))
    .map((e) => ({
      key: eventKey(e.product, e.id),
      criticality: critOf(e),
      reason: excluded.has(eventKey(e.product, e.id)) ? ("excluded" as const) : ("not selected" as const),
    }));
  return { rules, unalerted, ...(policy.detections ? { detections } : {}) };
}

function compileRule(
  event: CatalogEvent,
  criticality: Criticality,
  rule: PolicyRule,
  policy: PolicyFile,
  alerters: readonly AlertCompiler[],
): CompiledRule {
  const defaults = policy.defaults ?? {};
  const windowSeconds = rule.window ?? defaults.window ?? DEFAULT_WINDOW_S;
  const { idLabel } = PRODUCT_FACTS[event.product];
  const context: RuleContext = {
    kind: "event",
    key: eventKey(event.product, event.id),
    slug: `${event.product.toLowerCase()}-${event.id}`,
    product: event.product,
    id: event.id,
    category: event.category,
    name: event.summary,
    title: `${event.product} ${idLabel} ${event.id}: ${event.summary}`,
    description: event.description,
    response: event.response,
    criticality,
    rule: rule.name,
    severity: rule.severity,
    window: formatDuration(windowSeconds),
    windowSeconds,
    threshold: rule.threshold ?? defaults.threshold ?? 0,
  };
  const destinations: Record<string, unknown> = {};
  for (const a of enabledCompilers(rule.destinations ?? defaults.destinations, alerters)) {
    // Sections are already parsed by the policy schema: merge them, the rule's fields winning.
    const notify = { ...notifySection(defaults.notify, a), ...notifySection(rule.notify, a) };
    destinations[a.key] = a.compile(context, notify, defaults);
  }
  return { ...context, destinations };
}
