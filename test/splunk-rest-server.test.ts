/**
 * The Splunk REST contract server itself: it must refuse what Splunk refuses (no credential,
 * unknown or invalid parameters, duplicates, a search not starting with a command), and its
 * search export must answer Splunk's NDJSON shape with exactly the events the SPL selects.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleEvent } from "../components/catalog";
import { indexedSample } from "../components/splunk/alerts";
import { type IndexedEvent, SplunkRestServer } from "./support/splunk-rest-server";
import { validCron } from "./support/splunk-saved-search-rules";

const NOW = 1_768_478_400 + 60;
const events: IndexedEvent[] = [
  indexedSample(sampleEvent("EZCA", 19), "keytos"),
  indexedSample(sampleEvent("EZMonitor", 19), "keytos"),
  { ...indexedSample(sampleEvent("EZCA", 19), "main"), time: NOW - 3600 },
];
let server: SplunkRestServer;
beforeAll(async () => {
  server = await new SplunkRestServer({ tokens: ["t0ken"], events: () => events, now: () => NOW }).start();
});
afterAll(() => server.stop());

async function call(method: string, path: string, form?: Record<string, string>, auth = "Bearer t0ken") {
  const res = await fetch(`${server.origin}${path}${path.includes("?") ? "&" : "?"}output_mode=json`, {
    method,
    headers: {
      ...(auth ? { Authorization: auth } : {}),
      ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: text.startsWith("{") && !text.includes("\n{") ? JSON.parse(text) : undefined,
  };
}
const messageOf = (r: Awaited<ReturnType<typeof call>>) => r.json?.messages?.[0]?.text as string;

describe("authentication", () => {
  it("accepts a Bearer token, Basic credentials and a session key from auth/login; 401 otherwise", async () => {
    expect((await call("GET", "/services/data/indexes/none")).status).toBe(404);
    expect((await call("GET", "/services/data/indexes/none", undefined, "")).status).toBe(401);
    expect((await call("GET", "/services/data/indexes/none", undefined, "Bearer wrong")).status).toBe(401);
    expect((await call("GET", "/services/data/indexes/none", undefined, "Splunk t0ken")).status).toBe(401);
    const basic = `Basic ${Buffer.from("admin:changeme").toString("base64")}`;
    expect((await call("GET", "/services/data/indexes/none", undefined, basic)).status).toBe(404);
    const badLogin = await call("POST", "/services/auth/login", { username: "admin", password: "no" }, "");
    expect(badLogin.status).toBe(401);
    const login = await call("POST", "/services/auth/login", { username: "admin", password: "changeme" }, "");
    const session = `Splunk ${login.json.sessionKey}`;
    expect((await call("GET", "/services/data/indexes/none", undefined, session)).status).toBe(404);
  });

  it("answers output_mode=json only and takes form-urlencoded bodies only", async () => {
    const xml = await fetch(`${server.origin}/services/data/indexes/x`, {
      headers: { Authorization: "Bearer t0ken" },
    });
    expect(xml.status).toBe(400);
    const json = await fetch(`${server.origin}/services/data/indexes?output_mode=json`, {
      method: "POST",
      headers: { Authorization: "Bearer t0ken", "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(json.status).toBe(400);
  });
});

describe("indexes and HEC inputs", () => {
  it("create, 409 on a duplicate, name rules, unknown parameters, delete", async () => {
    const created = await call("POST", "/services/data/indexes", { name: "keytos", datatype: "event" });
    expect(created.status).toBe(201);
    expect(created.json.entry[0]).toMatchObject({ name: "keytos", content: { datatype: "event" } });
    expect((await call("POST", "/services/data/indexes", { name: "keytos" })).status).toBe(409);
    for (const bad of ["_internal", "Keytos", "my kvstore", "a/b", "x".repeat(81), "my_kvstore_idx"])
      expect((await call("POST", "/services/data/indexes", { name: bad })).status, bad).toBe(400);
    const unknown = await call("POST", "/services/data/indexes", { name: "other", retention: "1" });
    expect(messageOf(unknown)).toBe('Argument "retention" is not supported by this handler.');
    expect((await call("POST", "/services/data/indexes/keytos", { datatype: "metric" })).status).toBe(400);
    expect((await call("POST", "/services/data/indexes/keytos", { name: "x" })).status).toBe(400);
  });

  it("HEC tokens: enable, create with allowed indexes, get by name, update, delete", async () => {
    const base = "/servicesNS/nobody/splunk_httpinput/data/inputs/http";
    expect((await call("POST", `${base}/http/enable`, {})).status).toBe(200);
    expect(server.hecEnabled).toBe(true);
    const bad = await call("POST", base, { name: "t", index: "keytos", indexes: "main" });
    expect(messageOf(bad)).toMatch(/Index 'main' does not exist/);
    const created = await call("POST", base, { name: "t", index: "keytos", indexes: "keytos", useACK: "1" });
    expect(created.json.entry[0]).toMatchObject({
      name: "http://t",
      content: { useACK: true, indexes: ["keytos"] },
    });
    expect(created.json.entry[0].content.token).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call("POST", base, { name: "t", index: "keytos" })).status).toBe(409);
    expect((await call("POST", `${base}/t`, { useACK: "maybe" })).status).toBe(400);
    expect((await call("POST", `${base}/t`, { useACK: "0" })).json.entry[0].content.useACK).toBe(false);
    expect((await call("DELETE", `${base}/t`)).status).toBe(200);
    expect((await call("GET", `${base}/t`)).status).toBe(404);
  });
});

describe("saved searches", () => {
  const base = "/servicesNS/nobody/search/saved/searches";
  const good = {
    name: "a",
    search: 'index="keytos" source="EZCA" EventID=19',
    is_scheduled: "1",
    cron_schedule: "*/5 * * * *",
    "alert.severity": "5",
    alert_type: "number of events",
    alert_comparator: "greater than",
    alert_threshold: "0",
    "dispatch.earliest_time": "-5m@m",
    "dispatch.latest_time": "@m",
    actions: "email,webhook",
    "action.email.to": "a@example.com,b@example.com",
    "action.webhook.param.url": "https://hooks.example.com/x",
  };

  it("accept the documented parameters; answer them typed; 409 on a duplicate in the same namespace only", async () => {
    const r = await call("POST", base, good);
    expect(r.status).toBe(201);
    expect(r.json.entry[0].content).toMatchObject({
      is_scheduled: true,
      "alert.severity": 5,
      "alert.suppress": false,
    });
    expect((await call("POST", base, good)).status).toBe(409);
    expect((await call("POST", "/servicesNS/nobody/secops/saved/searches", good)).status).toBe(201);
  });

  it.each([
    [{ cron_schedule: "*/5 * * *" }, /Invalid cron_schedule/],
    [{ cron_schedule: "61 * * * *" }, /Invalid cron_schedule/],
    [{ "alert.severity": "0" }, /from 1 to 6, got 0/],
    [{ "alert.severity": "7" }, /from 1 to 6, got 7/],
    [{ alert_comparator: "more than" }, /for alert_comparator/],
    [{ alert_type: "events" }, /for alert_type/],
    [{ "dispatch.earliest_time": "5 minutes ago" }, /for dispatch.earliest_time/],
    [{ actions: "email,pager" }, /for actions/],
    [{ "action.email.to": "secops" }, /for action.email.to/],
    [{ is_scheduled: "yes" }, /is_scheduled must be a boolean/],
    [{ "alert.sevrity": "5" }, /Argument "alert.sevrity" is not supported/],
    [{ search: "index=keytos | stats count" }, /Error in 'search' command/],
    [{ search: "" }, /"search" is required/],
  ])("reject %o", async (over, why) => {
    const r = await call("POST", base, { ...good, name: "bad", ...over });
    expect(r.status).toBe(400);
    expect(messageOf(r)).toMatch(why);
  });

  it("update via POST to the entity (no name), delete", async () => {
    expect((await call("POST", `${base}/a`, { name: "a", alert_threshold: "2" })).status).toBe(400);
    const r = await call("POST", `${base}/a`, { alert_threshold: "2" });
    expect(r.json.entry[0].content).toMatchObject({ alert_threshold: "2", "alert.severity": 5 });
    expect((await call("DELETE", `${base}/a`)).status).toBe(200);
    expect((await call("DELETE", `${base}/a`)).status).toBe(404);
  });

  it("cron rules", () => {
    for (const ok of ["*/5 * * * *", "0 */6 * * *", "0 0 * * *", "0,30 8-18 * 1-12 1-5"])
      expect(validCron(ok), ok).toBe(true);
    for (const bad of ["* * * *", "60 * * * *", "*/0 * * * *", "0 24 * * *", "0 0 0 * *", "a * * * *"])
      expect(validCron(bad), bad).toBe(false);
  });
});

describe("search export", () => {
  const exportSearch = (form: Record<string, string>, path = "/services/search/jobs/export") =>
    call("POST", path, form);

  it("streams Splunk's NDJSON rows of exactly the matching events", async () => {
    const r = await exportSearch({
      search: 'search index="keytos" source="EZCA" sourcetype="EZCA_CAs" EventID=19',
    });
    expect(r.status).toBe(200);
    const rows = r.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      preview: false,
      offset: 0,
      lastrow: true,
      result: {
        index: "keytos",
        source: "EZCA",
        sourcetype: "EZCA_CAs",
        EventID: "19",
        _time: "2026-01-15T12:00:00.000+00:00",
      },
    });
    expect(JSON.parse(rows[0].result._raw)).toEqual(events[0]?.event);
  });

  it("honours earliest_time / latest_time and the namespaced path", async () => {
    const all = await exportSearch(
      { search: "search EventID=19" },
      "/servicesNS/admin/search/search/jobs/export",
    );
    expect(all.text.trim().split("\n")).toHaveLength(2);
    const recent = await exportSearch({
      search: "search EventID=19",
      earliest_time: "-30m",
      latest_time: "now",
    });
    expect(
      recent.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).result.index),
    ).toEqual(["keytos"]);
    expect((await exportSearch({ search: "search EventID=4888" })).text).toBe("");
  });

  it("refuses a search without a leading command, SPL outside the subset, and bad time bounds", async () => {
    const bare = await exportSearch({ search: 'index="keytos" EventID=19' });
    expect([bare.status, messageOf(bare)]).toEqual([400, "Unknown search command 'index'."]);
    expect(messageOf(await exportSearch({ search: "search EZCA" }))).toMatch(/free-text terms/);
    expect((await exportSearch({ search: "search EventID=19", earliest_time: "soon" })).status).toBe(400);
    expect((await exportSearch({ search: "search EventID=19", count: "1" })).status).toBe(400);
  });
});
