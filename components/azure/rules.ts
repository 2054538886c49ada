/**
 * Scheduled analytics rule settings for a compiled policy rule, as plain data (unit-tested; the
 * component only passes them to securityinsights.ScheduledAlertRule). The rule counts matching
 * rows over the window, every window, and fires when the count exceeds the policy threshold: one
 * alert per run (SingleAlert), one incident per entity set within 5 hours, entities mapped so
 * Sentinel can pivot on the user, client IP or domain.
 */
import { v5 as uuidv5 } from "uuid";
import { PRODUCT_FACTS } from "../catalog/products";
import type { CompiledRule } from "../policy/compile";
import { azureAlertOf } from "./alerts";
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

/** Sentinel entities from the product's entity fields (string columns `<Field>_s`). */
function entityMappings(rule: CompiledRule): EntityMapping[] {
  const { user, ip, domain } = PRODUCT_FACTS[rule.product].entities;
  const map = (entityType: EntityMapping["entityType"], identifier: string, field?: string) =>
    field ? [{ entityType, fieldMappings: [{ identifier, columnName: `${field}_s` }] }] : [];
  return [
    ...map("Account", "FullName", user),
    ...map("IP", "Address", ip),
    ...map("DNS", "DomainName", domain),
  ];
}

/** Analytics rule for one compiled rule; undefined when the rule has no azure part. */
export function analyticsRuleSpec(rule: CompiledRule, customer: string): AnalyticsRuleSpec | undefined {
  const st = azureAlertOf(rule);
  if (!st) return undefined;
  const { idField, idLabel: label } = PRODUCT_FACTS[rule.product];
  const idLabel = `${label} ${rule.id}`;
  return {
    ruleId: stableGuid("sentinel-rule", customer, rule.key),
    kind: "Scheduled",
    displayName: `[keytos-siem ${customer}] ${rule.product} ${idLabel}: ${rule.name}`,
    description: [
      `${rule.description} (criticality ${rule.criticality}, severity ${rule.severity}).`,
      `Response: ${rule.response}`,
      `Fires when more than ${rule.threshold} matching event(s) arrive in ${rule.window}. Policy rule: ${rule.rule}. Managed by keytos-siem.`,
    ].join("\n"),
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
    entityMappings: entityMappings(rule),
    customDetails: { [idField]: `${idField}_d`, Criticality: "Criticality_s" },
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
