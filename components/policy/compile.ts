/**
 * Compiles one catalog + one alert policy into one rule per alerted event, with every
 * destination's query: CloudWatch metric filter + alarm, Datadog log monitor, Sentinel scheduled
 * analytics rule. Pure: the CLI, the Pulumi components and the smoke test all consume this output.
 *
 * Semantics: criticality overrides apply first; `exclude` removes events; rules apply in order
 * and an event is alerted by the first rule that selects it. A selection that names an unknown
 * id or category, selects nothing, or is entirely shadowed by earlier rules is an error.
 */
import { isoDuration, sentinelKql, sentinelSeverity, sentinelTableFor } from "../azure/query";
import {
  CATALOG,
  CATEGORIES,
  type CatalogEvent,
  type Category,
  type Criticality,
  eventKey,
  type Product,
} from "../catalog/events";
import {
  checkMetricNamespace,
  cloudWatchFilterPattern,
  cloudWatchMetricName,
  DEFAULT_METRIC_NAMESPACE,
} from "../cloudwatch/query";
import { datadogMonitorQuery, datadogPriority, datadogSearchQuery } from "../datadog/query";
import { formatDuration } from "./duration";
import { formatPath, type IssuePath, type PolicyIssue } from "./load";
import { type AlertDestination, DESTINATIONS, type PolicyFile, type Select, type Severity } from "./schema";

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

export interface DatadogAlert {
  search: string;
  query: string;
  priority: 1 | 2 | 3 | 4 | 5;
  handles: string[];
  tags: string[];
}

export interface SentinelAlert {
  table: string;
  kql: string;
  severity: "High" | "Medium" | "Low" | "Informational";
  queryFrequency: string;
  queryPeriod: string;
  triggerOperator: "GreaterThan";
  triggerThreshold: number;
  createIncident: boolean;
  suppressionDuration?: string;
}

export interface CompiledRule {
  /** "EZCA:4888" */
  key: string;
  /** Resource-name friendly id: "ezca-4888". */
  slug: string;
  product: Product;
  id: number;
  category: Category;
  /** Event summary, from the catalog. */
  name: string;
  description: string;
  response: string;
  /** Criticality after the policy's overrides. */
  criticality: Criticality;
  /** Name of the policy rule that selected this event. */
  rule: string;
  severity: Severity;
  window: string;
  windowSeconds: number;
  threshold: number;
  destinations: { cloudwatch?: CloudWatchAlert; datadog?: DatadogAlert; sentinel?: SentinelAlert };
}

export interface CompiledPolicy {
  rules: CompiledRule[];
  /** Catalog events no rule alerts on (excluded, or not selected). */
  unalerted: { key: string; criticality: Criticality; reason: "excluded" | "not selected" }[];
}

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
  const products = sel.products ?? (["EZCA", "EZMonitor"] as Product[]);
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
  catalog: readonly CatalogEvent[] = CATALOG,
): CompiledPolicy {
  const issues: PolicyIssue[] = [];
  const defaults = policy.defaults ?? {};
  const namespace = defaults.metricNamespace ?? DEFAULT_METRIC_NAMESPACE;
  const nsProblem = checkMetricNamespace(namespace);
  if (nsProblem) issues.push({ path: ["defaults", "metricNamespace"], message: nsProblem, input: namespace });

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
    const prev = names.get(rule.name);
    if (prev !== undefined) {
      issues.push({
        path: [...path, "name"],
        message: `duplicate rule name "${rule.name}" (also rules[${prev}])`,
      });
    }
    names.set(rule.name, r);
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
      rules.push(compileRule(e, critOf(e), rule, policy, namespace));
    }
  });

  if (issues.length > 0) throw new PolicySemanticError(issues);
  const unalerted = catalog
    .filter((e) => !claimedBy.has(eventKey(e.product, e.id)))
    .map((e) => ({
      key: eventKey(e.product, e.id),
      criticality: critOf(e),
      reason: excluded.has(eventKey(e.product, e.id)) ? ("excluded" as const) : ("not selected" as const),
    }));
  return { rules, unalerted };
}

function compileRule(
  event: CatalogEvent,
  criticality: Criticality,
  rule: PolicyFile["rules"][number],
  policy: PolicyFile,
  metricNamespace: string,
): CompiledRule {
  const defaults = policy.defaults ?? {};
  const windowSeconds = rule.window ?? defaults.window ?? DEFAULT_WINDOW_S;
  const threshold = rule.threshold ?? defaults.threshold ?? 0;
  const enabled = new Set<AlertDestination>(rule.destinations ?? defaults.destinations ?? DESTINATIONS);
  const notify = {
    cloudwatch: { ...defaults.notify?.cloudwatch, ...rule.notify?.cloudwatch },
    datadog: { ...defaults.notify?.datadog, ...rule.notify?.datadog },
    sentinel: { ...defaults.notify?.sentinel, ...rule.notify?.sentinel },
  };
  const destinations: CompiledRule["destinations"] = {};
  if (enabled.has("cloudwatch")) {
    destinations.cloudwatch = {
      pattern: cloudWatchFilterPattern(event.product, event.id),
      metricNamespace,
      metricName: cloudWatchMetricName(event.product, event.id),
      period: windowSeconds,
      evaluationPeriods: 1,
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold,
      treatMissingData: "notBreaching",
      emails: notify.cloudwatch.emails ?? [],
      topicArns: notify.cloudwatch.topicArns ?? [],
    };
  }
  if (enabled.has("datadog")) {
    const search = datadogSearchQuery(event.product, event.id);
    destinations.datadog = {
      search,
      query: datadogMonitorQuery(search, windowSeconds, threshold),
      priority: datadogPriority(rule.severity),
      handles: notify.datadog.handles ?? [],
      tags: [
        `product:${event.product.toLowerCase()}`,
        `${event.product === "EZCA" ? "event_id" : "vulnerability_id"}:${event.id}`,
        `criticality:${criticality.toLowerCase()}`,
        `policy_rule:${rule.name}`,
      ],
    };
  }
  if (enabled.has("sentinel")) {
    destinations.sentinel = {
      table: sentinelTableFor(event).name,
      kql: sentinelKql(event),
      severity: sentinelSeverity(rule.severity),
      queryFrequency: isoDuration(windowSeconds),
      queryPeriod: isoDuration(windowSeconds),
      triggerOperator: "GreaterThan",
      triggerThreshold: threshold,
      createIncident: notify.sentinel.createIncident ?? true,
      ...(notify.sentinel.suppressFor
        ? { suppressionDuration: isoDuration(notify.sentinel.suppressFor) }
        : {}),
    };
  }
  return {
    key: eventKey(event.product, event.id),
    slug: `${event.product.toLowerCase()}-${event.id}`,
    product: event.product,
    id: event.id,
    category: event.category,
    name: event.summary,
    description: event.description,
    response: event.response,
    criticality,
    rule: rule.name,
    severity: rule.severity,
    window: formatDuration(windowSeconds),
    windowSeconds,
    threshold,
    destinations,
  };
}
