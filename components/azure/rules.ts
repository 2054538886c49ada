/**
 * Scheduled analytics rule settings for a compiled policy rule, as plain data (unit-tested; the
 * component only passes them to securityinsights.ScheduledAlertRule). The rule counts matching
 * rows over the window, every window, and fires when the count exceeds the policy threshold: one
 * alert per run (SingleAlert), one incident per entity set within 5 hours, entities mapped so
 * Sentinel can pivot on the user, client IP or domain.
 */
import { v5 as uuidv5 } from "uuid";
import type { Product } from "../catalog/events";
import { PRODUCT_FACTS } from "../catalog/products";
import type { CompiledAlert } from "../policy/compile";
import { azureAlertOf, type SentinelAlert } from "./alerts";
import { type Attack, attackFor } from "./mitre";

/** Namespace for keytos-siem's deterministic ids (rule ids, role assignment names). */
export const KEYTOS_SIEM_NAMESPACE = "6a0f5a7e-5f0b-4c39-9d6e-4b7c1e2d9a10";

/** A stable GUID for a name: re-runs and re-imports keep the same resource names. */
export function stableGuid(...parts: string[]): string {
  return uuidv5(parts.join("|"), KEYTOS_SIEM_NAMESPACE);
}

export interface EntityMapping {
  entityType: "Account" | "IP" | "DNS";
  fieldMappings: { identifier: string; columnName: string }[];
}

export interface AnalyticsRuleSpec extends Attack {
  ruleId: string;
  kind: "Scheduled";
  displayName: string;
  description: string;
  enabled: true;
  query: string;
  queryFrequency: string;
  queryPeriod: string;
  severity: "High" | "Medium" | "Low" | "Informational";
  triggerOperator: "GreaterThan";
  triggerThreshold: number;
  suppressionEnabled: boolean;
  suppressionDuration: string;
  eventGroupingSettings: { aggregationKind: "SingleAlert" };
  entityMappings: EntityMapping[];
  customDetails: Record<string, string>;
  incidentConfiguration: {
    createIncident: boolean;
    groupingConfiguration: {
      enabled: true;
      lookbackDuration: string;
      matchingMethod: "AllEntities";
      reopenClosedIncident: false;
    };
  };
}

/** Sentinel requires a suppression duration even when suppression is off. */
const DEFAULT_SUPPRESSION = "PT5H";
const GROUPING_LOOKBACK = "PT5H";

/** The one product whose events an alert reads, if one: the event's, or that of every table a detection reads. */
function productOf(rule: CompiledAlert, alert: SentinelAlert): Product | undefined {
  if (rule.kind === "event") return rule.product;
  const products = new Set(alert.table.split(", ").map((t) => t.split("_")[0] as Product));
  return products.size === 1 ? [...products][0] : undefined;
}

/** Sentinel entities from the product's entity fields (string columns `<Field>_s`). */
function entityMappings(product: Product | undefined): EntityMapping[] {
  if (!product) return [];
  const { user, ip, domain } = PRODUCT_FACTS[product].entities;
  const map = (entityType: EntityMapping["entityType"], identifier: string, field?: string) =>
    field ? [{ entityType, fieldMappings: [{ identifier, columnName: `${field}_s` }] }] : [];
  return [
    ...map("Account", "FullName", user),
    ...map("IP", "Address", ip),
    ...map("DNS", "DomainName", domain),
  ];
}

/** The rule's description: the event's facts and response, or the detection's description. */
function describe(rule: CompiledAlert): string {
  const fires = `Fires when more than ${rule.threshold} matching event(s) arrive in ${rule.window}.`;
  if (rule.kind === "detection")
    return `${rule.description} (severity ${rule.severity}).\n${fires} Policy detection: ${rule.name}. Managed by keytos-siem.`;
  return [
    `${rule.description} (criticality ${rule.criticality}, severity ${rule.severity}).`,
    `Response: ${rule.response}`,
    `${fires} Policy rule: ${rule.rule}. Managed by keytos-siem.`,
  ].join("\n");
}

/** Analytics rule for one alert (event or detection); undefined when it has no azure part. */
export function analyticsRuleSpec(rule: CompiledAlert, customer: string): AnalyticsRuleSpec | undefined {
  const st = azureAlertOf(rule);
  if (!st) return undefined;
  const product = productOf(rule, st);
  const idField = product && PRODUCT_FACTS[product].idField;
  return {
    ruleId: stableGuid("sentinel-rule", customer, rule.key),
    kind: "Scheduled",
    displayName: `[keytos-siem ${customer}] ${rule.title}`,
    description: describe(rule),
    enabled: true,
    query: st.kql,
    queryFrequency: st.queryFrequency,
    queryPeriod: st.queryPeriod,
    severity: st.severity,
    triggerOperator: st.triggerOperator,
    triggerThreshold: st.triggerThreshold,
    suppressionEnabled: st.suppressionDuration !== undefined,
    suppressionDuration: st.suppressionDuration ?? DEFAULT_SUPPRESSION,
    eventGroupingSettings: { aggregationKind: "SingleAlert" },
    entityMappings: entityMappings(product),
    customDetails: { ...(idField ? { [idField]: `${idField}_d` } : {}), Criticality: "Criticality_s" },
    incidentConfiguration: {
      createIncident: st.createIncident,
      groupingConfiguration: {
        enabled: true,
        lookbackDuration: GROUPING_LOOKBACK,
        matchingMethod: "AllEntities",
        reopenClosedIncident: false,
      },
    },
    ...attackFor(rule.key),
  };
}
