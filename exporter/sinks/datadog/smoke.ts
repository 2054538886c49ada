/**
 * Datadog post-deploy smoke check. Sends a uniquely tagged test log through the sink. With an
 * application key: finds it through the Logs search API within a patience window, and validates
 * every compiled monitor query (and, given their ids, that the monitors exist). Without one: checks
 * the API key with GET /api/v1/validate and reports "key valid, sent, not verified", not a pass.
 */
import { request } from "undici";
import { datadogAlertOf } from "../../../components/datadog/alerts";
import { datadogApiUrl } from "../../../components/datadog/site";
import type { CompiledRule } from "../../../components/policy/compile";
import { type SmokeResult, sendOnce, taggedTestEvent, timed } from "../../smoke/result";
import { createDatadogSink, type DatadogSinkConfig } from "./index";

export interface DatadogSmokeOptions {
  config: DatadogSinkConfig;
  /** DD_API_KEY and, for verification, DD_APP_KEY. */
  env: NodeJS.ProcessEnv;
  rules: readonly CompiledRule[];
  /** Monitor ids from the stack outputs, to check they exist. */
  monitorIds?: readonly string[];
  /** API base override (tests); default per site. */
  apiUrl?: string;
  patienceMs?: number;
  pollMs?: number;
}

const D = "datadog";

async function api(
  base: string,
  method: "GET" | "POST",
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await request(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function smokeDatadog(opts: DatadogSmokeOptions): Promise<SmokeResult[]> {
  const base = opts.apiUrl ?? datadogApiUrl(opts.config.site);
  const apiKey = opts.env.DD_API_KEY ?? opts.config.apiKey ?? "";
  const appKey = opts.env.DD_APP_KEY;
  const keys = { "dd-api-key": apiKey, ...(appKey ? { "dd-application-key": appKey } : {}) };
  const results: SmokeResult[] = [];
  const { env: test, recordId } = taggedTestEvent();

  const sent = await timed(D, "send test log", async () => {
    await sendOnce(createDatadogSink(opts.config, { connections: 1, env: opts.env }), test, 30_000);
    return { result: "pass", detail: `RecordId ${recordId} accepted by the ${opts.config.site} intake` };
  });
  results.push(sent);

  if (!appKey) {
    results.push(
      await timed(D, "verify", async () => {
        const v = await api(base, "GET", "/api/v1/validate", { "dd-api-key": apiKey });
        if (v.status !== 200 || v.json.valid !== true)
          throw new Error(`API key rejected by ${opts.config.site} (HTTP ${v.status})`);
        return {
          result: "sent-not-verified",
          detail: "key valid, sent, not verified (set DD_APP_KEY to search for the test log)",
        };
      }),
    );
    return results;
  }

  if (sent.result === "pass") {
    results.push(
      await timed(D, "find test log", async () => {
        const deadline = Date.now() + (opts.patienceMs ?? 120_000);
        for (;;) {
          const found = await api(base, "POST", "/api/v2/logs/events/search", keys, {
            filter: { query: `service:EZCA @RecordId:${recordId}`, from: "now-30m", to: "now" },
            page: { limit: 1 },
          });
          if (found.status !== 200)
            throw new Error(
              `Logs search answered HTTP ${found.status}: check DD_APP_KEY (logs_read_data scope)`,
            );
          if (Array.isArray(found.json.data) && found.json.data.length > 0) {
            return {
              result: "pass",
              detail: `found RecordId ${recordId} with service:EZCA @RecordId:${recordId}`,
            };
          }
          if (Date.now() > deadline)
            throw new Error(
              `RecordId ${recordId} not searchable after ${(opts.patienceMs ?? 120_000) / 1000}s`,
            );
          await new Promise((r) => setTimeout(r, opts.pollMs ?? 5000));
        }
      }),
    );
  }

  for (const rule of opts.rules) {
    const dd = datadogAlertOf(rule);
    if (!dd) continue;
    results.push(
      await timed(D, `monitor query ${rule.key}`, async () => {
        const v = await api(base, "POST", "/api/v1/monitor/validate", keys, {
          type: "log alert",
          query: dd.query,
          name: rule.key,
          message: rule.name,
        });
        if (v.status !== 200)
          throw new Error(`Datadog rejects ${dd.query}: HTTP ${v.status} ${JSON.stringify(v.json)}`);
        return { result: "pass", detail: `query validated by Datadog: ${dd.query}` };
      }),
    );
  }
  for (const id of opts.monitorIds ?? []) {
    results.push(
      await timed(D, `monitor ${id} exists`, async () => {
        const m = await api(base, "GET", `/api/v1/monitor/${encodeURIComponent(id)}`, keys);
        if (m.status !== 200) throw new Error(`monitor ${id}: HTTP ${m.status}`);
        return { result: "pass", detail: `monitor ${id} "${String(m.json.name)}" exists` };
      }),
    );
  }
  return results;
}
