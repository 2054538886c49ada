/**
 * The compiled policy as Sigma rules (sigmahq.io specification 2): one rule per alerted event,
 * with a stable id, the catalog's words, the policy's severity as the level, a custom log source
 * (product keytos, service ezca | ezmonitor) and a detection on the envelope's fields (source,
 * sourcetype, and the event id as a number). Pure: the CLI writes the files.
 */
import { v5 as uuidv5 } from "uuid";
import { stringify } from "yaml";
import { attackOf } from "../catalog/attack";
import { type Product, sourcetypeOf } from "../catalog/events";
import { PRODUCT_FACTS } from "../catalog/products";
import type { RuleContext } from "../policy/alerts";
import type { CompiledDetection } from "../policy/detections";

/** Namespace of the rules' UUIDv5 ids: the same (product, event id) always gets the same id. */
export const SIGMA_RULE_NAMESPACE = "3d8c6f0a-2b5e-4f1d-8a7c-9e4b2d6f1c03";

/** When these rules were first written (Sigma's `date`); fixed so an export is reproducible. */
export const SIGMA_RULE_DATE = "2026-05-01";

/** The custom log source of every rule: Sigma's `logsource`. */
export const logsourceOf = (product: Product) => ({ product: "keytos", service: product.toLowerCase() });

/** A Sigma rule as plain data, in the specification's field order. */
export interface SigmaRule {
  title: string;
  id: string;
  status: "stable" | "test" | "experimental";
  description: string;
  author: string;
  date: string;
  tags?: string[];
  logsource: { product: string; service?: string };
  detection: Record<string, unknown> & { condition: string | string[] };
  falsepositives: string[];
  level: "informational" | "low" | "medium" | "high" | "critical";
}

/** The stable id of an event's rule (UUIDv5 of "EZCA:19" under SIGMA_RULE_NAMESPACE). */
export const sigmaRuleId = (product: Product, id: number) => uuidv5(`${product}:${id}`, SIGMA_RULE_NAMESPACE);

/** The envelope fields that select one catalog event, in the order the guides write them. */
export function eventSelection(event: Pick<RuleContext, "product" | "category" | "id">) {
  return {
    source: event.product,
    sourcetype: sourcetypeOf(event),
    [PRODUCT_FACTS[event.product].idField]: event.id,
  };
}

/** ATT&CK tags (`attack.<tactic>`, `attack.t<id>`): `sigma check` offline needs `-x attacktag -x d3_fendtag`. */
function tagsOf(key: string): string[] {
  const attack = attackOf(key);
  return [
    ...attack.tactics.map((t) => `attack.${t}`),
    ...attack.techniques.map((t) => `attack.${t.toLowerCase()}`),
  ];
}

/** One alerted event's rule. */
export function sigmaRuleFor(rule: RuleContext): SigmaRule {
  const tags = tagsOf(rule.key);
  return {
    title: `Keytos ${rule.product} ${rule.name}`,
    id: sigmaRuleId(rule.product, rule.id),
    status: "test",
    description: `${rule.description} (${rule.product} ${PRODUCT_FACTS[rule.product].idLabel} ${rule.id}, criticality ${rule.criticality}, policy rule "${rule.rule}"). Response: ${rule.response}`,
    author: "keytos-siem",
    date: SIGMA_RULE_DATE,
    ...(tags.length > 0 ? { tags } : {}),
    logsource: logsourceOf(rule.product),
    detection: { selection: eventSelection(rule), condition: "selection" },
    falsepositives: [`Planned, authorised activity by the ${rule.product} administrators`],
    level: rule.severity,
  };
}

/** A rule's file name: lower-case, 10 to 90 characters as Sigma's filename validator wants. */
export const sigmaFileName = (rule: Pick<RuleContext, "product" | "id">) =>
  `keytos_${rule.product.toLowerCase()}_${rule.id}.yml`;

/** A rule as YAML text. */
export const sigmaYaml = (rule: SigmaRule | SigmaCorrelationRule) => stringify(rule, { lineWidth: 0 });

/** Every alerted event's rule as a file: name and YAML text, in the policy's order. */
export function sigmaRuleFiles(rules: readonly RuleContext[]): { file: string; yaml: string }[] {
  return rules.map((r) => ({ file: sigmaFileName(r), yaml: sigmaYaml(sigmaRuleFor(r)) }));
}

/** A custom detection's rule: its own detection block, over the Keytos log source (any product). */
export function sigmaDetectionRule(d: CompiledDetection): SigmaRule {
  return {
    title: `Keytos custom detection ${d.name}`,
    id: uuidv5(`detection:${d.name}`, SIGMA_RULE_NAMESPACE),
    status: "experimental",
    description: d.description ?? `The policy's custom detection ${d.name}`,
    author: "keytos-siem",
    date: SIGMA_RULE_DATE,
    logsource: { product: "keytos" },
    detection: d.detection as SigmaRule["detection"],
    falsepositives: ["Unknown: a custom detection, tune it to the organisation"],
    level: d.severity,
  };
}

/** A Sigma correlation rule: the base rule's events counted over a timespan. */
export interface SigmaCorrelationRule {
  title: string;
  id: string;
  status: "experimental";
  description: string;
  author: string;
  date: string;
  correlation: {
    type: "event_count";
    rules: string[];
    timespan: string;
    condition: { gte: number };
    /** Keep the base rule's own query too: it is a rule of its own (every match). */
    generate: true;
  };
  falsepositives: string[];
  level: SigmaRule["level"];
}

/**
 * A detection with a threshold as a correlation rule: more than `threshold` events of its base
 * rule within its window (Sigma's event_count, gte threshold + 1); none for a threshold of 0.
 */
export function sigmaCorrelationRule(d: CompiledDetection): SigmaCorrelationRule | undefined {
  if (d.threshold === 0) return undefined;
  const base = sigmaDetectionRule(d);
  return {
    title: `Keytos custom detection ${d.name}: more than ${d.threshold} in ${d.window}`,
    id: uuidv5(`detection-count:${d.name}`, SIGMA_RULE_NAMESPACE),
    status: "experimental",
    description: `${base.description}: alerts when more than ${d.threshold} matching events arrive in ${d.window}`,
    author: "keytos-siem",
    date: SIGMA_RULE_DATE,
    correlation: {
      type: "event_count",
      rules: [base.id],
      timespan: d.window,
      condition: { gte: d.threshold + 1 },
      generate: true,
    },
    falsepositives: base.falsepositives,
    level: base.level,
  };
}

/** Every custom detection's rule as a file (keytos_detection_<name>.yml), and its correlation (<...>_count.yml). */
export function sigmaDetectionFiles(
  detections: readonly CompiledDetection[],
): { file: string; yaml: string }[] {
  return detections.flatMap((d) => {
    const stem = `keytos_detection_${d.name.replace(/-/g, "_")}`;
    const count = sigmaCorrelationRule(d);
    return [
      { file: `${stem}.yml`, yaml: sigmaYaml(sigmaDetectionRule(d)) },
      ...(count ? [{ file: `${stem}_count.yml`, yaml: sigmaYaml(count) }] : []),
    ];
  });
}
