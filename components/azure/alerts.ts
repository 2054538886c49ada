/**
 * The policy's alerts as Sentinel scheduled analytics rules, in the guide's KQL shape:
 *   EZCA_Certificates_CL
 *   | where EventID_d == 4888
 * The destination's key is `azure`; `sentinel` (its former name in policies) is accepted for one release.
 */
import { z } from "zod";
import { envelopeKey } from "../catalog/envelope";
import { eventKey } from "../catalog/events";
import { sampleCatalog } from "../catalog/samples";
import { strict } from "../config/yaml-file";
import type { AlertCompiler } from "../policy/alerts";
import type { CompiledAlert } from "../policy/compile";
import { duration } from "../policy/schema";
import { azureDetection, detectionTables } from "./detection";
import { isoDuration, parseSentinelKql, sentinelKql, sentinelSeverity, sentinelTableFor } from "./query";
import { toSentinelRow } from "./shape";
import { SENTINEL_TABLES } from "./tables";

const notify = strict({
  /** Whether the analytics rule creates incidents (default true). */
  createIncident: z.boolean().optional(),
  /** Suppress the rule for this long after it fires (optional). */
  suppressFor: duration.optional(),
});

export interface SentinelAlert {
  /** The table the query reads; a detection over several tables: their names, comma-separated. */
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

/** This destination's alert of a compiled rule, if the rule has one. */
export const azureAlertOf = (rule: CompiledAlert) => rule.destinations.azure as SentinelAlert | undefined;

/** Binds KQL against the declared tables with Microsoft's Kusto language service (loaded on first use). */
let kustoCheck: ((kql: string) => string[]) | undefined;
function kusto(kql: string): string[] {
  kustoCheck ??= (require("./kql-check") as typeof import("./kql-check")).kqlChecker(
    Object.values(SENTINEL_TABLES),
  );
  return kustoCheck(kql);
}

export const azureAlerts: AlertCompiler<SentinelAlert, typeof notify> = {
  detection: azureDetection,
  key: "azure",
  aliases: ["sentinel"],
  notify,
  compile: (rule, n) => ({
    ...(rule.kind === "event"
      ? { table: sentinelTableFor(rule).name, kql: sentinelKql(rule) }
      : { table: detectionTables(rule.queries.azure as string), kql: rule.queries.azure as string }),
    severity: sentinelSeverity(rule.severity),
    queryFrequency: isoDuration(rule.windowSeconds),
    queryPeriod: isoDuration(rule.windowSeconds),
    triggerOperator: "GreaterThan",
    triggerThreshold: rule.threshold,
    createIncident: n.createIncident ?? true,
    ...(n.suppressFor ? { suppressionDuration: isoDuration(n.suppressFor) } : {}),
  }),
  notifies: (a) => a.createIncident,
  addTarget: "set notify.azure.createIncident: true, the default (policy defaults or this rule)",
  summary: (a) => a.kql.replace(/\n/g, " "),
  describe: (a) => a.kql,
  verify: (a, rule) => {
    const problems = kusto(a.kql).map((d) => `Kusto: ${d} in ${JSON.stringify(a.kql)}`);
    const filter = parseSentinelKql(a.kql);
    if (!filter) return [...problems, `${JSON.stringify(a.kql)} is not "<table> | where <column> == <id>"`];
    const matched = sampleCatalog()
      .filter((s) => {
        const { table, row } = toSentinelRow(s);
        return table.name === filter.table && row[filter.column] === filter.value;
      })
      .map((s) => eventKey(envelopeKey(s).product, envelopeKey(s).id));
    if (matched.length !== 1 || matched[0] !== rule.key) {
      problems.push(
        `${JSON.stringify(a.kql)} selects ${matched.join(", ") || "no"} catalog row(s), not exactly ${rule.key}`,
      );
    }
    return problems;
  },
};
