/**
 * Datadog post-deploy smoke check. Sends a uniquely tagged test log through the sink. With an
 * application key: finds it through the Logs search API within a patience window, and validates
 * every compiled monitor query (and, given their ids, that the monitors exist). Without one: checks
 * the API key with GET /api/v1/validate and reports "key valid, sent, not verified", not a pass.
 */
import { request } from "undici";
import { datadogAlertOf } from "../../../components/datadog/alerts";
import { datadogSearchEvaluates } from "../../../components/datadog/detection";
import { toDatadogLog } from "../../../components/datadog/shape";
import { datadogApiUrl } from "../../../components/datadog/site";
import type { CompiledAlert } from "../../../components/policy/compile";
import { smokeDetection } from "../../smoke/detection";
import { type Causes, explainNetwork, explainStatus } from "../../smoke/explain";
import { type SmokeResult, sendOnce, taggedTestEvent, timed } from "../../smoke/result";
import { createDatadogSink, type DatadogSinkConfig } from "./index";

export interface DatadogSmokeOptions {
  config: DatadogSinkConfig;
  /** DD_API_KEY and, for verification, DD_APP_KEY. */
  env: NodeJS.ProcessEnv;
  rules: readonly CompiledAlert[];
  /** Monitor ids from the stack outputs, to check they exist. */
  monitorIds?: readonly string[];
  /** API base override (tests); default per site. */
  apiUrl?: string;
  patienceMs?: number;
  pollMs?: number;
}

const D = "datadog";

interface ApiAnswer {
  status: number;
  json: Record<string, unknown>;
  text: string;
}

/** One API call; a call that gets no answer throws, naming the address it could not reach. */
async function api(
  base: string,
  what: string,
  method: "GET" | "POST",
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<ApiAnswer> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new Error(explainNetwork(what, base, err));
  }
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not Datadog's JSON (a proxy's or a wrong host's page): the status says what happened.
  }
  return { status: res.statusCode, json, text };
}

export async function smokeDatadog(opts: DatadogSmokeOptions): Promise<SmokeResult[]> {
  const base = opts.apiUrl ?? datadogApiUrl(opts.config.site);
  const apiKey = opts.env.DD_API_KEY ?? opts.config.apiKey ?? "";
  const appKey = opts.env.DD_APP_KEY;
  const keys = { "dd-api-key": apiKey, ...(appKey ? { "dd-application-key": appKey } : {}) };
  const results: SmokeResult[] = [];
  const { env: test, recordId } = taggedTestEvent();
  const site = opts.config.site;
  const notFound = `no Datadog API at ${base}: check the site (DD_SITE) or the apiUrl output`;
  /** What the application key needs for a call, and where its answers could come from. */
  const appKeyCauses = (scope: string): Causes => ({
    credential: `check DD_APP_KEY (it needs the ${scope} scope) and that it and DD_API_KEY belong to the ${site} organisation`,
    notFound,
  });

  const sent = await timed(D, "send test log", async () => {
    await sendOnce(createDatadogSink(opts.config, { connections: 1, env: opts.env }), test, 30_000);
    return { result: "pass", detail: `RecordId ${recordId} accepted by the ${opts.config.site} intake` };
  });
  results.push(sent);

  if (!appKey) {
    results.push(
      await timed(D, "verify", async () => {
        const what = "API key check";
        const v = await api(base, what, "GET", "/api/v1/validate", { "dd-api-key": apiKey });
        if (v.status !== 200) {
          throw new Error(
            explainStatus(what, v.status, {
              credential: `DD_API_KEY was refused by ${site}: check the key and that it belongs to the ${site} organisation`,
              notFound,
            }),
          );
        }
        if (v.json.valid !== true) throw new Error(`${what}: ${site} says the API key is not valid`);
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
          const what = "Logs search";
          const found = await api(base, what, "POST", "/api/v2/logs/events/search", keys, {
            filter: { query: `service:EZCA @RecordId:${recordId}`, from: "now-30m", to: "now" },
            page: { limit: 1 },
          });
          if (found.status !== 200)
            throw new Error(explainStatus(what, found.status, appKeyCauses("logs_read_data"), found.text));
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
        const what = "monitor validation";
        const v = await api(base, what, "POST", "/api/v1/monitor/validate", keys, {
          type: "log alert",
          query: dd.query,
          name: rule.key,
          message: rule.name,
        });
        if (v.status === 400) throw new Error(`Datadog rejects ${dd.query}: ${v.text.slice(0, 300)}`);
        if (v.status !== 200)
          throw new Error(explainStatus(what, v.status, appKeyCauses("monitors_read"), v.text));
        return { result: "pass", detail: `query validated by Datadog: ${dd.query}` };
      }),
    );
    // Datadog has no API that runs a search over given logs: the validated search is run on the
    // smoke events by this project's evaluator, and the result says so.
    if (rule.kind === "detection")
      results.push(
        await smokeDetection(D, rule, async (events) => ({
          matched: events.map((e) => datadogSearchEvaluates(dd.search, toDatadogLog(e))),
          how: "the local evaluator of the Datadog-validated search",
        })),
      );
  }
  for (const id of opts.monitorIds ?? []) {
    results.push(
      await timed(D, `monitor ${id} exists`, async () => {
        const what = `monitor ${id}`;
        const m = await api(base, what, "GET", `/api/v1/monitor/${encodeURIComponent(id)}`, keys);
        if (m.status === 404) {
          // Missing monitor or wrong address? The key check answers 404 only at a wrong address.
          const probe = await api(base, what, "GET", "/api/v1/validate", keys);
          if (probe.status === 404) throw new Error(explainStatus(what, 404, appKeyCauses("monitors_read")));
          throw new Error(
            `${what} does not exist in the ${site} organisation (deleted, or outputs of another stack)`,
          );
        }
        if (m.status !== 200)
          throw new Error(explainStatus(what, m.status, appKeyCauses("monitors_read"), m.text));
        return { result: "pass", detail: `monitor ${id} "${String(m.json.name)}" exists` };
      }),
    );
  }
  return results;
}
