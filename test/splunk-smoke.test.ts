/**
 * The Splunk smoke check against the two contract servers wired as Splunk is: events sent to the
 * HEC server are what the REST server's search export searches. Each saved search of the stack
 * must select its own event's test event and not the other product's event with the same id; a
 * custom detection's saved search must select its smoke events and not the near miss.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findEvent, PRODUCTS } from "../components/catalog/events";
import type { CompiledAlert, CompiledRule } from "../components/policy/compile";
import { loadPolicy } from "../components/registry";
import { splunkAlertOf, splunkSearch } from "../components/splunk/alerts";
import type { SplunkOutputs } from "../components/splunk/contract";
import { eventSelection, type SplunkSmokeOptions, smokeSplunk } from "../exporter/sinks/splunk/smoke";
import { SplunkHecServer } from "./support/splunk-hec-server";
import { SplunkRestServer } from "./support/splunk-rest-server";

const ADMIN = "test-admin-token";
let hec: SplunkHecServer;
let ackHec: SplunkHecServer;
let rest: SplunkRestServer;
beforeAll(async () => {
  hec = await new SplunkHecServer().start();
  ackHec = await new SplunkHecServer({ useAck: true }).start();
  rest = await new SplunkRestServer({
    events: () => [...hec.indexed, ...ackHec.indexed],
    tokens: [ADMIN],
  }).start();
});
afterAll(async () => {
  await Promise.all([hec.stop(), ackHec.stop(), rest.stop()]);
});

const rules = loadPolicy("policies/default.yaml").rules as CompiledRule[];

/** Creates a saved search in the search app, as the component does. */
/** Not Splunk's default namespace: smoke must read the saved searches where the stack put them. */
const OWNER = "soc-admin";

async function savedSearch(name: string, search: string) {
  const res = await fetch(`${rest.origin}/servicesNS/${OWNER}/search/saved/searches?output_mode=json`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ name, search }).toString(),
  });
  expect(res.status).toBe(201);
  await res.arrayBuffer();
  return name;
}

function options(
  server: SplunkHecServer,
  savedSearches: string[],
  env: NodeJS.ProcessEnv,
): SplunkSmokeOptions {
  const outputs: SplunkOutputs = {
    managementUrl: rest.origin,
    hecUrl: server.url,
    index: "keytos",
    useAck: server.useAck,
    app: "search",
    owner: OWNER,
    savedSearches,
  };
  return {
    outputs,
    config: { hecUrl: server.url, index: "keytos", useAck: server.useAck, ackPollMs: 20 },
    env: { SPLUNK_HEC_TOKEN: server.token, ...env },
    rules,
    patienceMs: 5_000,
    pollMs: 50,
  };
}

let names: string[] = [];

describe("splunk smoke", () => {
  it("finds the test event with a search job and checks every saved search's SPL against its event and its twin", async () => {
    names = [];
    expect(rules.every((r) => splunkAlertOf(r))).toBe(true);
    for (const rule of rules) {
      const alert = splunkAlertOf(rule);
      if (alert) names.push(await savedSearch(`keytos ${rule.slug}`, splunkSearch(alert, "keytos")));
    }
    // The policy has events whose id the other product uses too (EZCA 19 vs EZMonitor 19...).
    const twins = rules.filter((r) => findEvent(PRODUCTS.find((p) => p !== r.product) ?? "EZCA", r.id));
    expect(twins.length).toBeGreaterThan(0);
    const results = await smokeSplunk(options(hec, names, { SPLUNK_TOKEN: ADMIN }));
    expect(results.filter((r) => r.result !== "pass")).toEqual([]);
    expect(results.map((r) => r.check)).toEqual([
      "send test events",
      "find test event",
      ...names.map((n) => `saved search ${n}`),
    ]);
    const twin = twins[0] as CompiledRule;
    expect(results.find((r) => r.check === `saved search keytos ${twin.slug}`)?.detail).toMatch(
      new RegExp(`^selects the ${twin.key} test event and not \\w+:${twin.id}$`),
    );
  });

  it("fails a saved search that also selects the other product's event with the same id, or selects none", async () => {
    const twin = rules.find((r) =>
      findEvent(r.product === "EZCA" ? "EZMonitor" : "EZCA", r.id),
    ) as CompiledRule;
    const both = await savedSearch(
      "both products",
      `index="keytos" (EventID=${twin.id} OR VulnerabilityID=${twin.id})`,
    );
    const none = await savedSearch("nothing", `index="keytos" EventID=999999`);
    const results = await smokeSplunk(
      options(hec, [both, none], { SPLUNK_USERNAME: "admin", SPLUNK_PASSWORD: "changeme" }),
    );
    expect(results.find((r) => r.check === "saved search both products")).toMatchObject({
      result: "fail",
      detail: expect.stringMatching(/also (EZCA|EZMonitor):\d+, the other product's event with the same id/),
    });
    expect(results.find((r) => r.check === "saved search nothing")).toMatchObject({
      result: "fail",
      detail: expect.stringMatching(/selects none of the alerted events' test events/),
    });
  });

  it("a custom detection's saved search is run by Splunk over its smoke events and the near miss", async () => {
    const detections = loadPolicy("policies/with-detections.yaml").detections ?? [];
    const withSplunk = detections.filter((d) => splunkAlertOf(d));
    expect(withSplunk.length).toBeGreaterThan(0);
    const d = withSplunk[0] as CompiledAlert;
    // Named as the component names them (`keytos-siem-<customer>-<slug>`): smoke finds the detection by its slug.
    const good = await savedSearch(
      `keytos-siem-acme-${d.slug}`,
      splunkSearch(splunkAlertOf(d) as never, "keytos"),
    );
    const results = await smokeSplunk({
      ...options(hec, [good], { SPLUNK_TOKEN: ADMIN }),
      rules: [...rules, d],
    });
    expect(results.find((r) => r.check === `detection ${d.name}`)).toMatchObject({
      result: "pass",
      detail: expect.stringMatching(
        /matches its \d+ smoke event\(s\) and not the near miss \(checked with a Splunk search job/,
      ),
    });
    const wrong = await savedSearch(`keytos-siem-other-${d.slug}`, 'index="keytos" EventID=999999');
    const failed = await smokeSplunk({
      ...options(hec, [wrong], { SPLUNK_TOKEN: ADMIN }),
      rules: [...rules, d],
    });
    expect(failed.find((r) => r.check === `detection ${d.name}`)).toMatchObject({
      result: "fail",
      detail: expect.stringMatching(/does not match smoke event\(s\) 1/),
    });
  });

  it("with indexer acknowledgement: sent once confirmed, then found", async () => {
    const results = await smokeSplunk(options(ackHec, names.slice(0, 2), { SPLUNK_TOKEN: ADMIN }));
    expect(results.filter((r) => r.result !== "pass")).toEqual([]);
    expect(ackHec.requests.some((r) => r.path === "/services/collector/ack")).toBe(true);
  });

  it("without REST credentials: sent, not verified; a refused credential names what to check", async () => {
    const unverified = await smokeSplunk(options(hec, names, {}));
    expect(unverified.map((r) => [r.check, r.result])).toEqual([
      ["send test events", "pass"],
      ["verify", "sent-not-verified"],
    ]);
    const refused = await smokeSplunk(options(hec, names, { SPLUNK_TOKEN: "wrong" }));
    expect(refused[1]).toMatchObject({
      check: "find test event",
      result: "fail",
      detail: expect.stringMatching(/HTTP 401, the credential was refused: check SPLUNK_TOKEN/),
    });
    expect(refused[1]?.detail).not.toContain("wrong");
  });

  it("a saved search's event selection is its SPL before the first pipe outside quotes", () => {
    expect(eventSelection('search index="keytos" EventID=19 | stats count | where count > 0')).toBe(
      'index="keytos" EventID=19',
    );
    expect(eventSelection('index="k" Details="a | b" EventID=1')).toBe('index="k" Details="a | b" EventID=1');
  });
});
