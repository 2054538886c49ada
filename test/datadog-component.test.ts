/** The Datadog component under Pulumi mocks: every monitor's exact query, message, priority, tags; API key secret. */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { monitorSpec } from "../components/datadog/monitor";
import { alertsOf } from "../components/policy";
import { loadPolicy } from "../components/registry";
import { compilePolicyText } from "./support/policy";
import { output, type Registered, recordResources } from "./support/pulumi-mocks";

let registered: Registered[] = [];

beforeAll(async () => {
  registered = await recordResources((args) =>
    args.type === "datadog:index/apiKey:ApiKey" ? { key: `key-of-${args.name}` } : {},
  );
});

const rules = loadPolicy("policies/default.yaml").rules;

describe("DatadogDestination (Pulumi mocks)", () => {
  it("creates a secret API key and one log monitor per rule with the exact query", async () => {
    const { DatadogDestination } = await import("../components/datadog");
    const d = new DatadogDestination("dd", { customer: "contoso", site: "datadoghq.eu", rules });
    await output(d.monitorIds);
    expect(registered.filter((r) => r.type === "datadog:index/monitor:Monitor")).toHaveLength(27);
    expect(registered.filter((r) => r.type === "datadog:index/apiKey:ApiKey")).toHaveLength(1);
    expect(await pulumi.isSecret(d.apiKey as pulumi.Output<string>)).toBe(true);
    expect(await output(d.apiKey as pulumi.Output<string>)).toBe("key-of-dd-api-key");
    expect(d.intakeUrl).toBe("https://http-intake.logs.datadoghq.eu/api/v2/logs");
    const m = registered.find((r) => r.name === "dd-ezca-4888")?.inputs;
    expect(m).toMatchObject({
      type: "log alert",
      query: 'logs("service:EZCA @EventID:4888").index("*").rollup("count").last("5m") > 0',
      priority: "1",
      monitorThresholds: { critical: "0" },
      notifyNoData: false,
      renotifyInterval: 0,
      enableLogsSample: true,
      name: "[keytos-siem contoso] EZCA Event ID 4888: Certificate request denied due to insufficient permissions",
    });
    expect(m?.tags).toEqual([
      "criticality:high",
      "customer:contoso",
      "event_id:4888",
      "managed-by:keytos-siem",
      "policy_rule:high-criticality",
      "product:ezca",
    ]);
    for (const rule of rules) {
      const monitor = registered.find((r) => r.name === `dd-${rule.slug}`)?.inputs;
      expect(monitor?.query, rule.key).toBe(rule.destinations.datadog?.query);
      expect(monitor?.priority, rule.key).toBe(String(rule.destinations.datadog?.priority));
      expect(monitor?.message, rule.key).toContain(rule.description);
    }
    const ezm = registered.find((r) => r.name === "dd-ezmonitor-41")?.inputs;
    expect(ezm).toMatchObject({
      query: 'logs("service:EZMonitor @VulnerabilityID:41").index("*").rollup("count").last("1h") > 0',
      priority: "3",
    });
  });

  it("messages state the event, its description, the response and the notification handles", () => {
    const [rule] = compilePolicyText(`version: 1
defaults: { notify: { datadog: { handles: ["@pagerduty-secops", "@slack-pki"] } } }
rules: [{ name: privesc, select: { products: [EZCA], ids: [92] }, severity: high, threshold: 2, window: 15m }]
`).rules;
    const spec = monitorSpec(rule as NonNullable<typeof rule>, "contoso");
    expect(spec?.message).toBe(
      [
        "**EZCA Event ID 92 — CA change denied due to insufficient permissions** (criticality High, severity high)",
        "",
        "A user attempted to change CA settings without the proper permissions",
        "",
        "Response: Possible privilege escalation against the CA's security configuration: identify the user and review their recent activity.",
        "",
        "More than 2 matching event(s) in the last 15m: `service:EZCA @EventID:92`. Policy rule: privesc.",
        "",
        "Notify: @pagerduty-secops @slack-pki",
      ].join("\n"),
    );
    expect(spec?.monitorThresholds).toEqual({ critical: "2" });
  });

  it("deploys each custom detection as a log monitor named after the detection", async () => {
    const { DatadogDestination } = await import("../components/datadog");
    const policy = loadPolicy("policies/with-detections.yaml");
    const d = new DatadogDestination("ddd", {
      customer: "contoso",
      site: "datadoghq.eu",
      rules: alertsOf(policy),
    });
    await output(d.monitorIds);
    const m = registered.find((r) => r.name === "ddd-detection-web-cert-outside-admins")?.inputs;
    expect(m).toMatchObject({
      name: "[keytos-siem contoso] Detection web-cert-outside-admins",
      type: "log alert",
      query:
        'logs("((service:EZCA AND @EventID:4887 AND @TemplateName:WebServer) AND -@User:*@pki\\\\-admins.example.com)").index("*").rollup("count").last("1h") > 0',
      priority: "1",
      monitorThresholds: { critical: "0" },
      tags: ["customer:contoso", "detection:web-cert-outside-admins", "managed-by:keytos-siem"],
    });
    expect(String(m?.message)).toMatch(
      /^\*\*Detection web-cert-outside-admins\*\* \(severity high\)\n\nA WebServer certificate/,
    );
    expect(String(m?.message)).toMatch(
      /Policy detection: web-cert-outside-admins\.\n\nNotify: @secops@example\.com$/,
    );
    const burst = registered.find((r) => r.name === "ddd-detection-revocation-burst")?.inputs;
    expect(burst?.query).toBe(
      'logs("(service:EZCA AND @EventID:4870)").index("*").rollup("count").last("1h") > 5',
    );
    expect(
      registered.filter((r) => r.type === "datadog:index/monitor:Monitor" && r.name.startsWith("ddd-")),
    ).toHaveLength(29);
  });
  it("rejects an unknown site before registering anything", async () => {
    const { DatadogDestination } = await import("../components/datadog");
    const before = registered.length;
    expect(
      () => new DatadogDestination("bad", { customer: "contoso", site: "datadoghq.org" as never, rules }),
    ).toThrow(/site "datadoghq\.org" is not a Datadog site; use one of datadoghq\.com, us3\.datadoghq\.com/);
    expect(registered.length).toBe(before);
  });
});
