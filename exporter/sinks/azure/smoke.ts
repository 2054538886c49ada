/**
 * Azure Log Analytics / Sentinel post-deploy smoke check.
 *  1. Uploads a uniquely tagged test row to each DCR stream through the sink (proves endpoint,
 *     DCR, stream and the sender's Monitoring Metrics Publisher grant).
 *  2. With a workspace resource id (and Log Analytics Reader for the credential): finds each row
 *     with a workspace query within a patience window, showing progress (ingestion into a new
 *     custom table takes minutes); then runs the analytics rule's own KQL, narrowed to the test
 *     row, to prove the rule sees its event. Without one: "sent, not verified", not a pass.
 *  3. Validates every analytics rule's KQL with Microsoft's Kusto language service against the
 *     declared table schemas, and checks its filter selects a row mapped from its event.
 */
import type { TokenCredential } from "@azure/identity";
import { LogsQueryClient } from "@azure/monitor-query-logs";
import { azureAlertOf } from "../../../components/azure/alerts";
import { kqlChecker } from "../../../components/azure/kql-check";
import { kqlSelects } from "../../../components/azure/kql-eval";
import { parseSentinelKql } from "../../../components/azure/query";
import { toSentinelRow } from "../../../components/azure/shape";
import { SENTINEL_TABLES, type SentinelTable } from "../../../components/azure/tables";
import { CATALOG, sourcetypeOf } from "../../../components/catalog/events";
import { sampleEvent } from "../../../components/catalog/samples";
import type { CompiledAlert, CompiledRule } from "../../../components/policy/compile";
import { smokeDetection } from "../../smoke/detection";
import { explainNetwork, explainStatus } from "../../smoke/explain";
import { type SmokeResult, sendOnce, taggedTestEvent, timed } from "../../smoke/result";
import { azureCredential, azureTlsOptions } from "./credential";
import { AzureLogsSink, type AzureSinkConfig } from "./index";

export interface AzureSmokeOptions {
  config: AzureSinkConfig;
  env: NodeJS.ProcessEnv;
  rules: readonly CompiledAlert[];
  /** Workspace resource id (output workspaceResourceId): enables the query verification. */
  workspaceResourceId?: string;
  /** Log Analytics query API base. Default https://api.loganalytics.io/v1. */
  queryEndpoint?: string;
  /** Credential override (tests); default: the one azure.credential selects. */
  credential?: TokenCredential;
  /** How long to wait for the rows to become queryable. Default 15 minutes. */
  patienceMs?: number;
  pollMs?: number;
  /** Progress lines while waiting ("waiting for ... 45s of 900s"). */
  onProgress?: (message: string) => void;
}

const D = "azure";

/** The event each table's test row carries: the first alerted event of that table, so its rule can be run. */
function testEventFor(table: SentinelTable, alerts: readonly CompiledAlert[]) {
  const rule = alerts.find(
    (r): r is CompiledRule => r.kind === "event" && azureAlertOf(r)?.table === table.name,
  );
  if (rule) return { product: rule.product, id: rule.id, rule };
  // No alerted event in this table: its first High event.
  const event = CATALOG.find((e) => sourcetypeOf(e) === table.sourcetype && e.criticality === "High");
  if (!event) throw new Error(`no High catalog event for ${table.name}`);
  return { product: event.product, id: event.id };
}

const rowsOf = (result: { tables?: { rows: unknown[][] }[]; partialTables?: { rows: unknown[][] }[] }) =>
  (result.tables ?? result.partialTables ?? []).reduce((n, t) => n + t.rows.length, 0);

export async function smokeAzure(opts: AzureSmokeOptions): Promise<SmokeResult[]> {
  const credential = opts.credential ?? azureCredential(opts.config, opts.env);
  const results: SmokeResult[] = [];
  const sent: { table: SentinelTable; recordId: string; rule?: CompiledRule }[] = [];

  for (const table of Object.values(SENTINEL_TABLES)) {
    const pick = testEventFor(table, opts.rules);
    const { env, recordId } = taggedTestEvent(pick.product, pick.id);
    const r = await timed(D, `send test row to ${table.stream}`, async () => {
      await sendOnce(new AzureLogsSink(opts.config, credential), env, 60_000);
      return {
        result: "pass",
        detail: `RecordId_s ${recordId} (${pick.product} ${pick.id}) accepted by DCR ${opts.config.dcrImmutableId}`,
      };
    });
    results.push(r);
    if (r.result === "pass") sent.push({ table, recordId, ...(pick.rule ? { rule: pick.rule } : {}) });
  }

  if (!opts.workspaceResourceId) {
    results.push({
      destination: D,
      check: "find test rows",
      result: "sent-not-verified",
      durationMs: 0,
      detail:
        "sent, not verified: give the workspace resource id (and Log Analytics Reader) to query for the test rows",
    });
  } else if (sent.length > 0) {
    results.push(...(await verifyRows(opts, credential, opts.workspaceResourceId, sent)));
  }

  const check = kqlChecker(Object.values(SENTINEL_TABLES));
  for (const rule of opts.rules) {
    const st = azureAlertOf(rule);
    if (!st) continue;
    if (rule.kind === "detection") {
      // No service runs KQL over given rows: the Kusto-validated query runs on the smoke rows
      // through this project's evaluator of the detection compiler's KQL, and the result says so.
      results.push(
        await smokeDetection(D, rule, async (events) => {
          const problems = check(st.kql);
          if (problems.length > 0)
            throw new Error(`Kusto rejects ${JSON.stringify(st.kql)}: ${problems.join("; ")}`);
          const rows = events.map(toSentinelRow);
          return {
            matched: rows.map(({ table, row }) => kqlSelects(st.kql, table.name, row)),
            how: "the Kusto language service (binding) and the local evaluator (matching)",
          };
        }),
      );
      continue;
    }
    results.push(
      await timed(D, `rule KQL ${rule.key}`, async () => {
        const problems = check(st.kql);
        if (problems.length > 0)
          throw new Error(`Kusto rejects ${JSON.stringify(st.kql)}: ${problems.join("; ")}`);
        const filter = parseSentinelKql(st.kql);
        const { table, row } = toSentinelRow(sampleEvent(rule.product, rule.id));
        if (!filter || filter.table !== table.name || row[filter.column] !== filter.value) {
          throw new Error(`${JSON.stringify(st.kql)} does not select a ${rule.key} row of ${table.name}`);
        }
        return { result: "pass", detail: `valid against the ${table.name} schema; selects ${rule.key} rows` };
      }),
    );
  }
  return results;
}

async function verifyRows(
  opts: AzureSmokeOptions,
  credential: TokenCredential,
  workspace: string,
  sent: { table: SentinelTable; recordId: string; rule?: CompiledRule }[],
): Promise<SmokeResult[]> {
  const client = new LogsQueryClient(credential, {
    ...(opts.queryEndpoint ? { endpoint: opts.queryEndpoint } : {}),
    tlsOptions: azureTlsOptions(opts.config.caFile),
    retryOptions: { maxRetries: 2 },
  });
  const query = async (kql: string) => {
    try {
      return rowsOf(await client.queryResource(workspace, kql, { duration: "PT2H" }));
    } catch (err) {
      const e = err as Error & { statusCode?: number };
      const what = "workspace query";
      if (e.statusCode === undefined)
        throw new Error(explainNetwork(what, opts.queryEndpoint ?? "the Log Analytics query API", err));
      throw new Error(
        explainStatus(
          what,
          e.statusCode,
          {
            credential:
              "the credential needs Log Analytics Reader on the workspace and a token for https://api.loganalytics.io",
            notFound: `workspace ${workspace} not found: check the workspaceResourceId output (and KEYTOS_AZURE_QUERY_ENDPOINT, if set)`,
          },
          e.message,
        ),
      );
    }
  };
  const patience = opts.patienceMs ?? 900_000;
  const results: SmokeResult[] = [];
  for (const { table, recordId, rule } of sent) {
    const found = await timed(D, `find test row in ${table.name}`, async () => {
      const kql = `${table.name} | where RecordId_s == "${recordId}"`;
      const t0 = Date.now();
      for (;;) {
        if ((await query(kql)) > 0) {
          return {
            result: "pass",
            detail: `queryable after ${Math.round((Date.now() - t0) / 1000)}s: ${kql}`,
          };
        }
        const waited = Date.now() - t0;
        if (waited >= patience) {
          throw new Error(
            `RecordId_s ${recordId} not in ${table.name} after ${Math.round(patience / 1000)}s (new custom tables can take 15 minutes; re-run the smoke test)`,
          );
        }
        opts.onProgress?.(
          `azure: waiting for the test row in ${table.name}: ${Math.round(waited / 1000)}s of ${Math.round(patience / 1000)}s`,
        );
        await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 15_000, patience - waited)));
      }
    });
    results.push(found);
    const alert = rule ? azureAlertOf(rule) : undefined;
    if (found.result !== "pass" || !rule || !alert) continue;
    const ruleKql = `${alert.kql}\n| where RecordId_s == "${recordId}"`;
    results.push(
      await timed(D, `rule ${rule.key} sees its event`, async () => {
        if ((await query(ruleKql)) === 0)
          throw new Error(`the rule's query does not return the test row: ${ruleKql}`);
        return { result: "pass", detail: `the analytics rule query returns the ${rule.key} test row` };
      }),
    );
  }
  return results;
}
