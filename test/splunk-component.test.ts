/**
 * The Splunk component under Pulumi mocks: the index, a HEC token limited to it, one saved search
 * per alerted event with the compiled SPL, schedule, severity and actions; the credential and the
 * token stay secrets; bad settings fail in one line before anything is registered; the stack
 * config takes the same settings and a deployment without an admin credential says how to set one.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPolicy } from "../components/registry";
import type { SplunkDestinationArgs } from "../components/splunk";
import { MISSING_CREDENTIAL, splunk, splunkAuthorization } from "../components/splunk/destination";
import { splunkPlan, splunkType } from "../components/splunk/plan";
import { PLANNED_PROVIDER } from "../components/splunk/providers";
import { resolveStack, type StackConfigError } from "../stacks/config";
import { output, type Registered, recordResources } from "./support/pulumi-mocks";

let registered: Registered[] = [];
beforeAll(async () => {
  registered = await recordResources((a) =>
    a.type === splunkType("SplunkHecToken") ? { token: "11111111-2222-3333-4444-555555555555" } : {},
  );
});

const rules = loadPolicy("policies/default.yaml").rules;
const CREDENTIAL = "Bearer admin-5ecret";
// Pulumi's wire form of a secret value (the mocks see inputs as the engine would).
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const ofType = (kind: Parameters<typeof splunkType>[0]) =>
  registered.filter((r) => r.type === splunkType(kind));

async function build(over: Partial<SplunkDestinationArgs> = {}, seen?: pulumi.ResourceTransformationArgs[]) {
  const { SplunkDestination } = await import("../components/splunk");
  registered.length = 0;
  const d = new SplunkDestination(
    "splunk",
    {
      customer: "contoso",
      managementUrl: "https://splunk.contoso.example:8089",
      rules,
      authorization: pulumi.secret(CREDENTIAL),
      planOnly: true,
      ...over,
    },
    seen ? { transformations: [(a) => void seen.push(a)] } : {},
  );
  await output(d.savedSearches);
  await output(d.hecToken);
  return d;
}

describe("SplunkDestination (Pulumi mocks)", () => {
  it("creates the index, a HEC token for it only, and one saved search per alerted event", async () => {
    const d = await build();
    expect(ofType("SplunkIndex").map((r) => r.inputs)).toEqual([
      expect.objectContaining({
        name: "keytos",
        settings: {},
        connection: { url: "https://splunk.contoso.example:8089" },
      }),
    ]);
    expect(ofType("SplunkHecToken")[0]?.inputs).toMatchObject({
      name: "keytos-siem-contoso",
      settings: { index: "keytos", indexes: ["keytos"], useACK: "0" },
    });
    expect(ofType("SplunkSavedSearch")).toHaveLength(rules.length);
    expect(rules.length).toBe(27);
    expect(ofType("SplunkSavedSearch").find((r) => r.name === "splunk-ezca-19")?.inputs).toEqual({
      connection: { url: "https://splunk.contoso.example:8089" },
      authorization: { [SECRET_SIG]: SECRET_VALUE, value: CREDENTIAL }, // registered as a Pulumi secret
      owner: "nobody",
      app: "search",
      name: "keytos-siem-contoso-ezca-19",
      __provider: PLANNED_PROVIDER,
      settings: {
        search: 'index="keytos" source="EZCA" sourcetype="EZCA_CAs" EventID=19',
        description: expect.stringMatching(
          /^\[keytos-siem contoso\] EZCA Event ID 19: CA deleted \(criticality High\)\. .*Policy rule: high-criticality\.$/,
        ),
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
      },
    });
    const medium = ofType("SplunkSavedSearch").find((r) => r.name === "splunk-ezmonitor-41")?.inputs.settings;
    expect(medium).toMatchObject({
      search: 'index="keytos" source="EZMonitor" sourcetype="EZMonitor_Alerts" VulnerabilityID=41',
      cron_schedule: "0 * * * *",
      "dispatch.earliest_time": "-1h@m",
      "alert.severity": "4",
    });
    expect(d.hecUrl).toBe("https://splunk.contoso.example:8088");
    expect(await output(d.savedSearches)).toContain("keytos-siem-contoso-ezmonitor-41");
  });

  it("keeps the credential and the HEC token secret, and registers what plan registers", async () => {
    const seen: pulumi.ResourceTransformationArgs[] = [];
    const d = await build({ planOnly: false }, seen);
    expect(await pulumi.isSecret(d.hecToken)).toBe(true);
    expect(await output(d.hecToken)).toBe("11111111-2222-3333-4444-555555555555");
    const token = seen.find((a) => a.type === splunkType("SplunkHecToken"));
    const secretOutputs = (a?: pulumi.ResourceTransformationArgs) =>
      (a?.opts as pulumi.CustomResourceOptions | undefined)?.additionalSecretOutputs;
    expect(secretOutputs(token)).toEqual(["authorization", "token"]);
    expect(secretOutputs(seen.find((a) => a.type === splunkType("SplunkIndex")))).toEqual(["authorization"]);
    expect(await pulumi.isSecret(token?.props.authorization as pulumi.Output<string>)).toBe(true);
    // The provider's code is serialized into the state: without the credential.
    const deployed = ofType("SplunkSavedSearch").find((r) => r.name === "splunk-ezca-19")?.inputs;
    expect(String(deployed?.__provider)).toMatch(/servicesNS/);
    expect(String(deployed?.__provider)).not.toContain("admin-5ecret");
    await build({ planOnly: true });
    const planned = ofType("SplunkSavedSearch").find((r) => r.name === "splunk-ezca-19")?.inputs;
    expect({ ...planned, __provider: undefined }).toEqual({ ...deployed, __provider: undefined });
  });

  it("applies the optional settings: index, token name, owner, app, ACK, retention, HEC URL", async () => {
    const d = await build({
      index: "secops_keytos",
      hecTokenName: "ezca",
      owner: "svc-siem",
      app: "secops",
      useAck: true,
      retentionDays: 90,
      hecUrl: "https://hec.contoso.example/",
    });
    expect(ofType("SplunkIndex")[0]?.inputs.settings).toEqual({ frozenTimePeriodInSecs: String(90 * 86400) });
    expect(ofType("SplunkHecToken")[0]?.inputs).toMatchObject({
      name: "ezca",
      settings: { useACK: "1", indexes: ["secops_keytos"] },
    });
    expect(ofType("SplunkSavedSearch")[0]?.inputs).toMatchObject({ owner: "svc-siem", app: "secops" });
    expect(
      String((ofType("SplunkSavedSearch")[0]?.inputs.settings as Record<string, string> | undefined)?.search),
    ).toMatch(/^index="secops_keytos" /);
    expect([d.hecUrl, d.index, d.useAck, d.app]).toEqual([
      "https://hec.contoso.example",
      "secops_keytos",
      true,
      "secops",
    ]);
  });

  it("says loudly when TLS verification is off (plan shows it on every object)", async () => {
    await build({ insecureSkipVerify: true });
    const inputs = ofType("SplunkIndex")[0]?.inputs ?? {};
    expect(inputs.connection).toEqual({
      url: "https://splunk.contoso.example:8089",
      insecureSkipVerify: true,
    });
    expect(splunkPlan.show[splunkType("SplunkIndex")]?.(inputs)).toEqual({
      name: "keytos",
      insecureSkipVerify: "TLS VERIFICATION DISABLED",
    });
  });

  it.each([
    [
      { managementUrl: "splunk.contoso.example:8089" },
      /managementUrl "splunk.contoso.example:8089" must be the http\(s\) URL of Splunk's management port/,
    ],
    [{ index: "Keytos" }, /index "Keytos" must be 1-80 lower-case letters/],
    [{ retentionDays: 0 }, /retentionDays 0 must be at least 1 day/],
    [{ hecTokenName: "my token" }, /hecTokenName "my token" must be 1-100 letters/],
  ])("rejects %o before registering anything", async (bad, why) => {
    const { SplunkDestination } = await import("../components/splunk");
    registered.length = 0;
    const make = () =>
      new SplunkDestination("bad", {
        customer: "contoso",
        managementUrl: "https://s:8089",
        rules,
        authorization: "x",
        ...bad,
      } as SplunkDestinationArgs);
    expect(make).toThrow(why);
    expect(make).toThrow(/^invalid Splunk destination settings: [^\n]+$/);
    expect(registered).toEqual([]);
  });
});

describe("stack config and credential", () => {
  it("the stack config names the field and the fix in one line", () => {
    const problems = (splunkSection: unknown) => {
      try {
        resolveStack({ splunk: splunkSection }, process.cwd());
        return [];
      } catch (err) {
        return (err as StackConfigError).problems;
      }
    };
    expect(problems({ managementUrl: "https://s:8089" })).toEqual([]);
    expect(problems({ managementUrl: "ftp://s" })).toEqual([
      'keytos-siem:splunk.managementUrl "ftp://s" must be the http(s) URL of Splunk\'s management port, e.g. https://splunk.example.com:8089',
    ]);
    expect(problems({ managementUrl: "https://s:8089", insecure: true })).toEqual([
      expect.stringMatching(
        /^keytos-siem:splunk: unknown field "insecure"; allowed fields: managementUrl, .*insecureSkipVerify \(pulumi config rm --path 'keytos-siem:splunk.insecure'\)$/,
      ),
    ]);
    expect(problems({})).toEqual([
      "keytos-siem:splunk.managementUrl: required, not set (pulumi config set --path 'keytos-siem:splunk.managementUrl' <value>)",
    ]);
  });

  it("the admin credential comes from splunk:token or splunk:username + password; a deployment without one fails in one line", async () => {
    const config = (values: Record<string, string>) => ({
      get: (k: string) => values[k],
      getSecret: (k: string) => (values[k] === undefined ? undefined : pulumi.secret(values[k] as string)),
    });
    const bearer = splunkAuthorization(pulumi, config({ token: "t" }));
    expect(await pulumi.isSecret(bearer as pulumi.Output<string>)).toBe(true);
    expect(await output(bearer as pulumi.Output<string>)).toBe("Bearer t");
    const basic = splunkAuthorization(pulumi, config({ username: "admin", password: "pw" }));
    expect(await output(basic as pulumi.Output<string>)).toBe(
      `Basic ${Buffer.from("admin:pw").toString("base64")}`,
    );
    expect(splunkAuthorization(pulumi, config({ username: "admin" }))).toBeUndefined();
    const s = splunk.settings.parse({ managementUrl: "https://s:8089" });
    expect(() => splunk.deploy(s, { customer: "c", rules: [], config: () => config({}) })).toThrow(
      MISSING_CREDENTIAL,
    );
    expect(MISSING_CREDENTIAL).not.toContain("\n");
  });
});
