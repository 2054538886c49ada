/**
 * The Splunk dynamic providers, method by method, against the Splunk REST contract server:
 * create, read, a re-run with the same inputs (no diff), update in place, replace on a new name,
 * delete (twice), the HEC token as an output, errors in one line without the credential, TLS
 * verified unless explicitly skipped, and the provider as Pulumi serializes it for `pulumi up`.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type SplunkObjectInputs,
  type SplunkObjectOutputs,
  splunkProvider,
} from "../components/splunk/providers";
import { formBody } from "../components/splunk/rest";
import { SplunkRestServer } from "./support/splunk-rest-server";
import { testCertificate } from "./support/tls";

const TOKEN = "admin-token-5ecret";
let server: SplunkRestServer;
beforeAll(async () => {
  server = await new SplunkRestServer({ tokens: [TOKEN] }).start();
});
afterAll(() => server.stop());

const base = () => ({ connection: { url: server.origin }, authorization: `Bearer ${TOKEN}` });
const index = (): SplunkObjectInputs => ({
  ...base(),
  name: "keytos",
  settings: { frozenTimePeriodInSecs: "31536000" },
});
const hec = (): SplunkObjectInputs => ({
  ...base(),
  name: "keytos-siem-contoso",
  settings: { index: "keytos", indexes: ["keytos"], useACK: "0", description: "contoso" },
});
const search = (over: Record<string, string> = {}): SplunkObjectInputs => ({
  ...base(),
  owner: "nobody",
  app: "search",
  name: "keytos-siem-contoso-ezca-19",
  settings: {
    search: 'index="keytos" source="EZCA" sourcetype="EZCA_CAs" EventID=19',
    is_scheduled: "1",
    cron_schedule: "*/5 * * * *",
    "dispatch.earliest_time": "-5m@m",
    "dispatch.latest_time": "@m",
    alert_type: "number of events",
    alert_comparator: "greater than",
    alert_threshold: "0",
    "alert.track": "1",
    "alert.digest_mode": "1",
    "alert.severity": "5",
    "alert.suppress": "0",
    actions: "email",
    "action.email.to": "secops@example.com",
    ...over,
  },
});

const indexes = splunkProvider("SplunkIndex");
const tokens = splunkProvider("SplunkHecToken");
const searches = splunkProvider("SplunkSavedSearch");
const call = <K extends "read" | "diff" | "update" | "delete">(p: pulumi.dynamic.ResourceProvider, k: K) =>
  p[k] as NonNullable<pulumi.dynamic.ResourceProvider[K]>;

describe("Splunk providers against the REST contract server", () => {
  it("create the index, the HEC token (enabling HEC) and a saved search, with sorted form bodies", async () => {
    expect((await indexes.create(index())).id).toBe("keytos");
    expect(server.hecEnabled).toBe(false);
    const t = await tokens.create(hec());
    expect(server.hecEnabled).toBe(true);
    expect(t.outs.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.hecTokens.get("keytos-siem-contoso")?.content).toMatchObject({
      index: "keytos",
      indexes: ["keytos"],
      useACK: false,
      token: t.outs.token,
    });
    await searches.create(search());
    expect(server.savedSearches.get("nobody/search/keytos-siem-contoso-ezca-19")?.content).toMatchObject({
      "alert.severity": 5,
      is_scheduled: true,
      cron_schedule: "*/5 * * * *",
    });
    for (const r of server.requests.filter((x) => x.body)) {
      const keys = [...new URLSearchParams(r.body).keys()];
      expect(keys, r.path).toEqual([...keys].sort());
    }
    expect(formBody({ b: "2", a: ["x", "y"] })).toBe("a=x&a=y&b=2");
  });

  it("read answers the live settings in the form sent: a re-run with the same inputs shows no diff", async () => {
    for (const [p, inputs] of [
      [indexes, index()],
      [tokens, hec()],
      [searches, search()],
    ] as const) {
      const live = await call(p, "read")(inputs.name, inputs as SplunkObjectOutputs);
      expect(live.props?.settings, inputs.name).toEqual(inputs.settings);
      expect(await call(p, "diff")(inputs.name, live.props as SplunkObjectOutputs, inputs)).toEqual({
        changes: false,
        replaces: [],
      });
    }
    const live = await call(tokens, "read")("keytos-siem-contoso", hec() as SplunkObjectOutputs);
    expect(live.props?.token).toBe(server.hecTokens.get("keytos-siem-contoso")?.content.token);
  });

  it("a drift made in Splunk shows as a diff after read, and update puts the inputs back", async () => {
    const stored = server.savedSearches.get("nobody/search/keytos-siem-contoso-ezca-19");
    if (stored) stored.content["alert.severity"] = 2;
    const live = await call(searches, "read")("x", search() as SplunkObjectOutputs);
    expect(live.props?.settings).toMatchObject({ "alert.severity": "2" });
    expect(await call(searches, "diff")("x", live.props as SplunkObjectOutputs, search())).toEqual({
      changes: true,
      replaces: [],
    });
    const news = search({ alert_threshold: "3" });
    await call(searches, "update")("x", live.props as SplunkObjectOutputs, news);
    expect(stored?.content).toMatchObject({ "alert.severity": 5, alert_threshold: "3" });
    const last = server.requests.at(-1);
    expect(last?.path).toBe("/servicesNS/nobody/search/saved/searches/keytos-siem-contoso-ezca-19");
    expect(new URLSearchParams(last?.body).has("name")).toBe(false);
  });

  it("a new name, app or management URL replaces; a new credential updates in place", async () => {
    const d = call(searches, "diff");
    const olds = search() as SplunkObjectOutputs;
    expect(await d("x", olds, { ...search(), name: "other" })).toMatchObject({
      changes: true,
      replaces: ["name"],
    });
    expect(await d("x", olds, { ...search(), app: "secops" })).toMatchObject({ replaces: ["app"] });
    expect(await d("x", olds, { ...search(), connection: { url: "https://b:8089" } })).toMatchObject({
      replaces: ["connection"],
    });
    expect(await d("x", olds, { ...search(), authorization: "Bearer rotated" })).toEqual({
      changes: true,
      replaces: [],
    });
  });

  it("updates the HEC token in place and keeps its value", async () => {
    const before = server.hecTokens.get("keytos-siem-contoso")?.content.token;
    const r = await call(tokens, "update")(
      "keytos-siem-contoso",
      { ...hec(), token: String(before) },
      { ...hec(), settings: { ...hec().settings, useACK: "1" } },
    );
    expect(r.outs?.token).toBe(before);
    expect(server.hecTokens.get("keytos-siem-contoso")?.content.useACK).toBe(true);
  });

  it("errors are one line naming the call and the fix, never the credential", async () => {
    const wrong = { ...search(), authorization: "Bearer not-the-token" };
    const err = await searches.create(wrong).catch((e: Error) => e);
    expect(String(err)).toMatch(
      /Splunk REST POST \/servicesNS\/nobody\/search\/saved\/searches failed: 401 .*check splunk:token/,
    );
    expect(String(err)).not.toContain("not-the-token");
    await expect(searches.create(search())).rejects.toThrow(
      /failed: 409 .*import it into the stack or choose another name/,
    );
    await expect(
      tokens.create({ ...hec(), name: "t2", settings: { index: "nope", indexes: ["nope"] } }),
    ).rejects.toThrow(/failed: 400 Index 'nope' does not exist/);
    await expect(searches.create(search({ "alert.severity": "7" }))).rejects.toThrow(
      /400 alert.severity must be an integer from 1 to 6, got 7/,
    );
    await expect(
      searches.create({ ...search({ cron_schedule: "*/5 * * *" }), name: "bad-cron" }),
    ).rejects.toThrow(/400 Invalid cron_schedule/);
  });

  it("delete removes each object, and a second delete (already gone) succeeds", async () => {
    for (const [p, inputs] of [
      [searches, search()],
      [tokens, hec()],
      [indexes, index()],
    ] as const) {
      await call(p, "delete")(inputs.name, inputs as SplunkObjectOutputs);
      await call(p, "delete")(inputs.name, inputs as SplunkObjectOutputs);
      expect(await call(p, "read")(inputs.name, inputs as SplunkObjectOutputs)).toEqual({});
    }
    expect(server.indexes.size + server.hecTokens.size + server.savedSearches.size).toBe(0);
  });
});

describe("TLS", () => {
  it("verifies the server's certificate unless insecureSkipVerify is set", async () => {
    const { key, cert } = testCertificate();
    const tls = await new SplunkRestServer({ tokens: [TOKEN], tls: { key, cert } }).start();
    try {
      const inputs = { ...index(), connection: { url: tls.origin } };
      await expect(indexes.create(inputs)).rejects.toThrow(
        /certificate is not trusted: add its CA with NODE_EXTRA_CA_CERTS=<pem file>, or for a lab server set keytos-siem:splunk.insecureSkipVerify: true/,
      );
      expect(tls.indexes.size).toBe(0);
      await indexes.create({ ...inputs, connection: { url: tls.origin, insecureSkipVerify: true } });
      expect(tls.indexes.has("keytos")).toBe(true);
    } finally {
      await tls.stop();
    }
  });
});

describe("the provider as `pulumi up` runs it", () => {
  it("serializes small, without any credential or the Pulumi SDK, and works once loaded back", async () => {
    // As pulumi.dynamic.Resource does: the provider object, closed over what its methods use.
    const provider = splunkProvider("SplunkIndex");
    const sf = await pulumi.runtime.serializeFunction(() => provider);
    expect(sf.text).not.toContain(TOKEN);
    expect(sf.text).not.toMatch(/ComponentResource|CustomResource/);
    expect(sf.text.length).toBeLessThan(30_000);
    const file = path.join(tmpdir(), "splunk-provider.js");
    writeFileSync(file, sf.text);
    const loaded = (require(file)[sf.exportName] as () => pulumi.dynamic.ResourceProvider)();
    await loaded.create({ ...index(), name: "serialized" });
    expect(server.indexes.has("serialized")).toBe(true);
  });
});
