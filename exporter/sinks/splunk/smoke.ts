/**
 * Splunk post-deploy smoke check. Sends a uniquely tagged test event, plus one per alerted policy
 * event and its twin (the other product's event with the same id), through the HEC sink. With REST
 * credentials (SPLUNK_TOKEN, or SPLUNK_USERNAME and SPLUNK_PASSWORD) it finds the test event with
 * a search job (POST /services/search/jobs/export), then reads each saved search of the stack
 * (GET saved/searches/<name>) and runs its event selection over this run's test events: it must
 * select one alerted event's test event and never that event's twin. A custom detection's saved
 * search is run by Splunk over its smoke events (the ones it must match and a near miss). Without
 * credentials: "sent, not verified", not a pass.
 */
import { randomUUID } from "node:crypto";
import { request } from "undici";
import type { Envelope } from "../../../components/catalog/envelope";
import { findEvent, PRODUCTS, type Product } from "../../../components/catalog/events";
import { stableJson } from "../../../components/catalog/json";
import type { CompiledAlert, CompiledRule } from "../../../components/policy/compile";
import type { SplunkOutputs } from "../../../components/splunk/contract";
import { smokeDetection } from "../../smoke/detection";
import { explainNetwork, explainStatus } from "../../smoke/explain";
import { type SmokeResult, taggedTestEvent, timed } from "../../smoke/result";
import { createSplunkSink, type SplunkSinkConfig } from "./index";

export interface SplunkSmokeOptions {
  outputs: SplunkOutputs;
  config: SplunkSinkConfig;
  /** SPLUNK_HEC_TOKEN, and the REST credential. */
  env: NodeJS.ProcessEnv;
  rules: readonly CompiledAlert[];
  patienceMs?: number;
  pollMs?: number;
}

const D = "splunk";
const SMOKE_HOST = "keytos-siem-smoke";

interface TestEvent {
  key: string;
  recordId: string;
  json: string;
}

/** The test events: the tagged one, then each alerted event and its twin of the other product. */
function testEvents(rules: readonly CompiledRule[]): {
  first: TestEvent;
  byRule: Map<string, { own: TestEvent; twin?: TestEvent }>;
} {
  const make = (product: Product, id: number): TestEvent => {
    const { env, recordId } = taggedTestEvent(product, id);
    return { key: `${product}:${id}`, recordId, json: stableJson(env) };
  };
  const byRule = new Map<string, { own: TestEvent; twin?: TestEvent }>();
  for (const rule of rules) {
    const other = PRODUCTS.find((p) => p !== rule.product) as Product;
    byRule.set(rule.key, {
      own: make(rule.product, rule.id),
      ...(findEvent(other, rule.id) ? { twin: make(other, rule.id) } : {}),
    });
  }
  return { first: make("EZCA", 4888), byRule };
}

/** The REST credential from the environment, as an Authorization header. */
function restAuth(env: NodeJS.ProcessEnv): string | undefined {
  if (env.SPLUNK_TOKEN) return `Bearer ${env.SPLUNK_TOKEN}`;
  if (env.SPLUNK_USERNAME && env.SPLUNK_PASSWORD)
    return `Basic ${Buffer.from(`${env.SPLUNK_USERNAME}:${env.SPLUNK_PASSWORD}`).toString("base64")}`;
  return undefined;
}

/** A saved search's event selection: its SPL up to the first pipe outside quotes, as a search. */
export function eventSelection(spl: string): string {
  let quoted = false;
  let end = spl.length;
  for (let i = 0; i < spl.length; i++) {
    if (spl[i] === "\\") i++;
    else if (spl[i] === '"') quoted = !quoted;
    else if (spl[i] === "|" && !quoted) {
      end = i;
      break;
    }
  }
  return spl
    .slice(0, end)
    .trim()
    .replace(/^search\s+/i, "");
}

/** RecordIds of the events a search export answered (one JSON object per line). */
export function exportedRecordIds(text: string): string[] {
  const ids: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const result = (JSON.parse(line) as { result?: Record<string, unknown> }).result;
    if (!result) continue;
    let id = result.RecordId;
    if (typeof id !== "string" && typeof result._raw === "string") {
      try {
        id = (JSON.parse(result._raw) as { RecordId?: unknown }).RecordId;
      } catch {
        // not JSON: no RecordId
      }
    }
    if (typeof id === "string") ids.push(id);
  }
  return ids;
}

export async function smokeSplunk(opts: SplunkSmokeOptions): Promise<SmokeResult[]> {
  const base = opts.outputs.managementUrl.replace(/\/+$/, "");
  const auth = restAuth(opts.env);
  const alerts = opts.rules.filter((r) => r.destinations.splunk !== undefined);
  const rules = alerts.filter((r): r is CompiledRule => r.kind === "event");
  const { first, byRule } = testEvents(rules);
  const all = [first, ...[...byRule.values()].flatMap((e) => (e.twin ? [e.own, e.twin] : [e.own]))];
  const results: SmokeResult[] = [];
  const credential =
    "check SPLUNK_TOKEN (or SPLUNK_USERNAME/SPLUNK_PASSWORD): it needs the search capability";
  const notFound = `no Splunk REST API at ${base}: check the managementUrl output (port 8089)`;

  const rest = async (what: string, method: "GET" | "POST", path: string, form?: Record<string, string>) => {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${base}${path}`, {
        method,
        headers: {
          authorization: auth as string,
          ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      });
    } catch (err) {
      throw new Error(explainNetwork(what, base, err));
    }
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(explainStatus(what, res.statusCode, { credential, notFound }, text));
    return text;
  };
  /** RecordIds a search selects among this run's events (by default: those sent from the smoke host). */
  const search = async (what: string, selection: string, among = `host="${SMOKE_HOST}"`) =>
    exportedRecordIds(
      await rest(what, "POST", "/services/search/jobs/export", {
        search: `search ${selection} ${among}`,
        output_mode: "json",
        earliest_time: "-60m",
        latest_time: "now",
      }),
    );

  const send = async (envelopes: Envelope[]) => {
    const sink = createSplunkSink(opts.config, { connections: 1, env: opts.env });
    try {
      const events = envelopes.map((env) => ({ env, json: stableJson(env) }));
      const outcome = await sink.send(sink.encode(events), events, AbortSignal.timeout(60_000));
      if (outcome.kind !== "ok")
        throw new Error(
          `the test events were not accepted: ${"reason" in outcome ? outcome.reason : outcome.kind}`,
        );
    } finally {
      await sink.close();
    }
  };
  const sent = await timed(D, "send test events", async () => {
    await send(all.map((e) => JSON.parse(e.json) as Envelope));
    return {
      result: "pass",
      detail: `${all.length} events accepted by ${opts.config.hecUrl} (RecordId ${first.recordId})`,
    };
  });
  results.push(sent);
  if (sent.result !== "pass") return results;
  if (!auth) {
    results.push({
      destination: D,
      check: "verify",
      result: "sent-not-verified",
      durationMs: 0,
      detail: "sent, not verified (set SPLUNK_TOKEN or SPLUNK_USERNAME/SPLUNK_PASSWORD to search for it)",
    });
    return results;
  }

  const index = `index="${opts.outputs.index}"`;
  /** Waits until Splunk has indexed all these events (searchable), within the patience. */
  const searchable = async (ids: string[], among: string) => {
    const patience = opts.patienceMs ?? 120_000;
    const deadline = Date.now() + patience;
    for (;;) {
      const found = new Set(await search("search export", index, among));
      if (ids.every((id) => found.has(id))) return;
      if (Date.now() > deadline)
        throw new Error(
          `RecordId ${ids.find((id) => !found.has(id))} not searchable after ${patience / 1000}s`,
        );
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 5000));
    }
  };
  const found = await timed(D, "find test event", async () => {
    await searchable([first.recordId], `RecordId="${first.recordId}"`);
    return {
      result: "pass",
      detail: `found RecordId ${first.recordId} with search ${index} RecordId="${first.recordId}"`,
    };
  });
  results.push(found);
  if (found.result !== "pass") return results;

  const owner = new Map(all.map((e) => [e.recordId, e.key]));
  const savedSpl = async (name: string) => {
    const what = `saved search ${name}`;
    const path = `/servicesNS/${encodeURIComponent(opts.outputs.owner)}/${encodeURIComponent(opts.outputs.app)}/saved/searches/${encodeURIComponent(name)}?output_mode=json`;
    const saved = JSON.parse(await rest(what, "GET", path)) as {
      entry?: { content?: { search?: string } }[];
    };
    const spl = saved.entry?.[0]?.content?.search;
    if (!spl) throw new Error(`${what} has no search`);
    return spl;
  };
  // The component names a saved search `keytos-siem-<customer>-<slug>`: the longest slug it ends with.
  const detectionOf = (name: string) =>
    alerts
      .filter((a) => name.endsWith(`-${a.slug}`))
      .sort((a, b) => b.slug.length - a.slug.length)
      .find((a) => a.kind === "detection");
  for (const name of opts.outputs.savedSearches) {
    const detection = detectionOf(name);
    if (detection?.kind === "detection") {
      // Splunk runs the saved search over this detection's smoke events, each with its own RecordId.
      results.push(
        await smokeDetection(D, detection, async (events) => {
          const spl = await savedSpl(name);
          const mine = events.map((e) => withRecordId(e, randomUUID()));
          const ids = mine.map((e) => e.event.RecordId);
          await send(mine);
          const among = `(${ids.map((id) => `RecordId="${id}"`).join(" OR ")})`;
          await searchable(ids, among);
          const hit = new Set(await search(`saved search ${name}`, eventSelection(spl), among));
          return { matched: ids.map((id) => hit.has(id)), how: "a Splunk search job over the smoke events" };
        }),
      );
      continue;
    }
    results.push(
      await timed(D, `saved search ${name}`, async () => {
        const what = `saved search ${name}`;
        const spl = await savedSpl(name);
        const matched = new Set(
          (await search(what, eventSelection(spl))).flatMap((id) => owner.get(id) ?? []),
        );
        const selected = [...byRule].filter(([, e]) => matched.has(e.own.key));
        if (selected.length === 0)
          throw new Error(`its SPL selects none of the alerted events' test events: ${spl}`);
        // The mistake that matters most first: one id selected in both products.
        const both = selected.find(([, e]) => e.twin && matched.has(e.twin.key));
        if (both)
          throw new Error(
            `its SPL selects ${both[0]} and also ${both[1].twin?.key}, the other product's event with the same id: ${spl}`,
          );
        const [own, ...more] = selected.map(([key]) => key);
        if (more.length > 0)
          throw new Error(`its SPL selects the events of ${[own, ...more].join(", ")}, not one: ${spl}`);
        const twin = byRule.get(own as string)?.twin;
        return {
          result: "pass",
          detail: `selects the ${own} test event${twin ? ` and not ${twin.key}` : ""}`,
        };
      }),
    );
  }
  return results;
}

/** A smoke event of its own: a fresh RecordId, sent now (the search looks back an hour). */
function withRecordId(env: Envelope, recordId: string): Envelope {
  return { ...env, time: Date.now() / 1000, event: { ...env.event, RecordId: recordId } } as Envelope;
}
