/**
 * `keytos-siem plan`: every example stack planned offline under Pulumi mocks and compared with
 * its golden JSON (exact resources, settings and queries; regenerate with UPDATE_GOLDEN=1 and
 * review the diff), the CLI's text and exit codes, and 50 generated customers planned in one run.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DESTINATIONS } from "../components/registry";
import { type Plan, planStack } from "../stacks/plan";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "exporter", "cli", "bin.cjs");
const EXAMPLES = [...DESTINATIONS.map((d) => `example-${d.key}`), "example-all"];

const stackConfig = (stack: string) =>
  parse(readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")).config as Record<
    string,
    unknown
  >;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    // Decoded as a stream: a chunk may end inside a multi-byte (box-drawing) character.
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const count = (plan: Plan, destination: string, type: string) =>
  plan.destinations.find((d) => d.destination === destination)?.counts[type] ?? 0;

describe("plan on the example stacks", () => {
  const plans = new Map<string, Plan>();

  it.each(EXAMPLES)("%s matches its golden plan", async (stack) => {
    const plan = await planStack(stackConfig(stack), { stack, projectRoot: ROOT });
    plans.set(stack, plan);
    const golden = path.join(__dirname, "golden", `plan-${stack}.json`);
    const text = `${JSON.stringify(plan, null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(golden)) {
      if (process.env.CI)
        throw new Error(
          `golden plan ${golden} is missing: run UPDATE_GOLDEN=1 npx vitest run test/plan.test.ts`,
        );
      writeFileSync(golden, text);
    }
    expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(golden, "utf8")));
  });

  it("has the exact resource counts and queries each destination needs", () => {
    const all = plans.get("example-all") as Plan;
    // The default policy's 27 alerted events, plus the example policy's two custom detections
    // (one of them inexpressible as a CloudWatch pattern).
    expect(all.totalResources).toBe(174);
    expect(all.destinations.map((d) => d.destination)).toEqual([
      "cloudwatch",
      "datadog",
      "azure",
      "kafka",
      "splunk",
    ]);
    expect(count(all, "cloudwatch", "aws:cloudwatch/logMetricFilter:LogMetricFilter")).toBe(28);
    expect(count(all, "cloudwatch", "aws:cloudwatch/metricAlarm:MetricAlarm")).toBe(28);
    expect(count(all, "datadog", "datadog:index/monitor:Monitor")).toBe(29);
    expect(count(all, "azure", "azure-native:securityinsights:ScheduledAlertRule")).toBe(29);
    expect(count(all, "azure", "azure-native:authorization:RoleAssignment")).toBe(4);
    expect(count(all, "azure", "azure-native:operationalinsights:Table")).toBe(3);
    expect(count(all, "kafka", "kafka:index/acl:Acl")).toBe(2);
    expect(count(all, "splunk", "pulumi-nodejs:dynamic/keytos-siem:SplunkSavedSearch")).toBe(29);
    expect(count(all, "splunk", "pulumi-nodejs:dynamic/keytos-siem:SplunkHecToken")).toBe(1);
    expect(count(all, "splunk", "pulumi-nodejs:dynamic/keytos-siem:SplunkIndex")).toBe(1);
    const a4888 = all.alerts.find((a) => a.key === "EZCA:4888");
    expect(a4888).toEqual({
      key: "EZCA:4888",
      name: "Certificate request denied due to insufficient permissions",
      severity: "high",
      window: "5m",
      threshold: 0,
      cloudwatch: '{ $.event.EventID = 4888 && $.source = "EZCA" }',
      datadog: 'logs("service:EZCA @EventID:4888").index("*").rollup("count").last("5m") > 0',
      azure: "EZCA_Certificates_CL | where EventID_d == 4888",
      splunk: 'source="EZCA" sourcetype="EZCA_Certificates" EventID=4888',
    });
    expect(all.alerts.find((a) => a.key === "detection:web-cert-outside-admins")).toEqual({
      key: "detection:web-cert-outside-admins",
      name: "web-cert-outside-admins",
      severity: "high",
      window: "1h",
      threshold: 0,
      cloudwatch:
        'not deployed: cloudwatch cannot express "not" on User: a filter pattern\'s != never matches an event without the field',
      datadog:
        'logs("((service:EZCA AND @EventID:4887 AND @TemplateName:WebServer) AND -@User:*@pki\\\\-admins.example.com)").index("*").rollup("count").last("1h") > 0',
      azure:
        'EZCA_Certificates_CL | where ((Source_s =~ "EZCA" and EventID_d == 4887 and TemplateName_s =~ "WebServer") and not(User_s endswith "@pki-admins.example.com"))',
      splunk:
        '((source="EZCA" AND EventID=4887 AND TemplateName="WebServer") AND NOT User="*@pki-admins.example.com")',
    });
    expect(all.alerts.find((a) => a.key === "detection:revocation-burst")?.cloudwatch).toBe(
      '{ ($.source = "EZCA" && $.event.EventID = 4870) }',
    );
    const kafkaOnly = plans.get("example-kafka") as Plan;
    expect(kafkaOnly.alerts.every((a) => !a.cloudwatch && !a.datadog && !a.azure)).toBe(true);
    const cw = plans.get("example-cloudwatch") as Plan;
    expect(cw.providers).toEqual([
      { type: "pulumi:providers:aws", name: "aws-us-east-1", settings: { region: "us-east-1" } },
    ]);
    expect(cw.alerts.every((a) => a.cloudwatch && !a.datadog)).toBe(true);
    // The examples' policy names a target at every destination.
    expect([...plans.values()].map((p) => p.warnings)).toEqual(EXAMPLES.map(() => []));
  });
});

describe("alerts that notify nobody", () => {
  const policy = path.join(mkdtempSync(path.join(tmpdir(), "keytos-plan-")), "no-targets.yaml");
  writeFileSync(
    policy,
    "version: 1\nrules:\n  - { name: high, select: { criticality: [High] }, severity: high }\n",
  );

  it("are warned about for the stack's alerting destinations; a stack-wide alarm topic is a target", async () => {
    const plan = (config: Record<string, unknown>) =>
      planStack(config, { stack: "quiet", projectRoot: ROOT, policyFile: policy });
    const all = await plan(stackConfig("example-all"));
    expect(all.warnings).toEqual([
      expect.stringMatching(
        /^policy rule "high": 13 cloudwatch alerts notify nobody \(EZCA:4882, .* and 9 more\); add notify\.cloudwatch\.emails/,
      ),
      expect.stringMatching(
        /^policy rule "high": 13 datadog alerts notify nobody .*; add notify\.datadog\.handles/,
      ),
      expect.stringMatching(
        /^policy rule "high": 13 splunk alerts notify nobody .*; add notify\.splunk\.emails or \.webhookUrl/,
      ),
    ]);
    expect((await plan(stackConfig("example-kafka"))).warnings).toEqual([]);
    const topic = "arn:aws:sns:us-east-1:123456789012:secops";
    const withTopic = await plan({ "keytos-siem:cloudwatch": { region: "us-east-1", alarmTopicArn: topic } });
    expect(withTopic.warnings).toEqual([]);
  });

  it("the CLI prints them on stderr and in --json, and still exits 0", async () => {
    const text = await cli(["plan", "--stack", "example-datadog", "--policy", policy]);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(
      /^keytos-siem: warning: policy rule "high": 13 datadog alerts notify nobody .*\n$/,
    );
    const json = await cli(["plan", "--stack", "example-datadog", "--policy", policy, "--json"]);
    expect(JSON.parse(json.stdout).warnings).toEqual([
      expect.stringMatching(/13 datadog alerts notify nobody/),
    ]);
  });
});

describe("values known only after deploy", () => {
  it("are shown as (known after deploy), never as made-up ARNs, ids or endpoints", async () => {
    const text = EXAMPLES.map((stack) =>
      readFileSync(path.join(__dirname, "golden", `plan-${stack}.json`), "utf8"),
    ).join("\n");
    expect(text).not.toMatch(
      /:000000000000:|arn:aws:[a-z]+:region:|c0de|dcr-0{32}|ingest\.monitor\.azure\.com/,
    );
    const cw = await planStack(stackConfig("example-cloudwatch"), {
      stack: "example-cloudwatch",
      projectRoot: ROOT,
    });
    const policy = cw.destinations[0]?.resources.find((r) => r.type === "aws:iam/userPolicy:UserPolicy");
    expect(policy?.settings).toEqual({
      actions: ["logs:CallWithBearerToken", "logs:PutLogEvents"],
      resources: ["(known after deploy)", "(known after deploy)"],
    });
    const az = await planStack(stackConfig("example-azure"), { stack: "example-azure", projectRoot: ROOT });
    const dcrGrant = az.destinations[0]?.resources.find((r) =>
      String(r.settings.scope).includes("dataCollectionRules"),
    );
    // The subscription is the deploying login's; the rest of the id follows from the names.
    expect(dcrGrant?.settings.scope).toBe(
      "/subscriptions/(known after deploy)/resourceGroups/secops/providers/Microsoft.Insights/dataCollectionRules/keytos-siem-northwind",
    );
    const printed = await cli(["plan", "--stack", "example-cloudwatch", "--wide"]);
    expect(printed.stdout).toMatch(
      /UserPolicy .*resources=\["\(known after deploy\)","\(known after deploy\)"\]/,
    );
  });
});

describe("keytos-siem plan (CLI)", () => {
  it("prints resources by destination and the alert matrix; --json is the same plan", async () => {
    const text = await cli(["plan", "--stack", "example-azure", "--wide"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^Plan for stack example-azure: customer northwind, policy policies\/default.yaml; 38 resources/,
    );
    expect(text.stdout).toMatch(
      /azure \(keytos-siem:azure:AzureDestination\): 37 resources: 27 ScheduledAlertRule, 4 RoleAssignment, 3 Table/,
    );
    expect(text.stdout).toMatch(
      /RoleAssignment\s+│ azure-rg-monitoring-contributor\s+│ role=Monitoring Contributor/,
    );
    expect(text.stdout).toMatch(/Alert matrix: 27 alerted events x 1 alerting destinations \(azure\)/);
    const json = await cli(["plan", "--stack", "example-azure", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual(
      JSON.parse(readFileSync(path.join(__dirname, "golden", "plan-example-azure.json"), "utf8")),
    );
  });

  it("bad config or policy: exit 1 with every problem, nothing planned", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "keytos-plan-"));
    const file = path.join(dir, "Pulumi.bad.yaml");
    writeFileSync(
      file,
      "config:\n  keytos-siem:customer: Contoso\n  keytos-siem:cloudwatch:\n    region: us-east-1\n    retentionInDays: 10\n  keytos-siem:azure:\n    location: eastus\n",
    );
    const r = await cli(["plan", "--config", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/keytos-siem:customer: must be 1-40 lower-case letters/);
    expect(r.stdout).toBe("");
    writeFileSync(
      file,
      "config:\n  keytos-siem:customer: contoso\n  keytos-siem:cloudwatch:\n    region: us-east-1\n    retentionInDays: 10\n  keytos-siem:azure:\n    location: eastus\n",
    );
    const r2 = await cli(["plan", "--config", file]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(
      /keytos-siem:cloudwatch.retentionInDays 10 is not accepted by CloudWatch[\s\S]*keytos-siem:azure.workspaceId is missing/,
    );
    const policy = path.join(dir, "policy.yaml");
    writeFileSync(
      policy,
      "version: 1\nrules:\n  - name: x\n    select: { ids: [4888] }\n    severity: high\n",
    );
    const r3 = await cli(["plan", "--stack", "example-kafka", "--policy", policy]);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/keytos-siem:policyFile [\s\S]*policy.yaml:4:\d+: rules\[0\]\.select/);
    const r4 = await cli(["plan", "--stack", "contoso"]);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/unknown stack "contoso": .*stacks you can plan: example-all/);
  });
});

describe("many customers", () => {
  it("plans 50 generated customer stacks in one run, each with its own names and resources", async () => {
    const destinations = ["cloudwatch", "datadog", "azure", "kafka"] as const;
    const t0 = performance.now();
    const plans: Plan[] = [];
    for (let i = 0; i < 50; i++) {
      const customer = `customer-${String(i).padStart(2, "0")}`;
      const enabled = destinations.filter((_, d) => (i + d) % 3 !== 0 || d === i % 4);
      const config: Record<string, unknown> = { "keytos-siem:customer": customer };
      if (enabled.includes("cloudwatch"))
        config["keytos-siem:cloudwatch"] = { region: i % 2 ? "us-east-1" : "eu-west-1" };
      if (enabled.includes("datadog"))
        config["keytos-siem:datadog"] = { site: i % 2 ? "datadoghq.com" : "datadoghq.eu" };
      if (enabled.includes("azure")) {
        config["keytos-siem:azure"] = {
          location: "eastus",
          ...(i % 5 === 0
            ? { createWorkspace: { resourceGroupName: `rg-${customer}` } }
            : {
                workspaceId: `/subscriptions/00000000-0000-0000-0000-0000000000${String(i).padStart(2, "0")}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/${customer}`,
              }),
          ...(i % 7 === 0 ? { ingestion: "direct" } : {}),
        };
      }
      if (enabled.includes("kafka"))
        config["keytos-siem:kafka"] = {
          bootstrapServers: [`${customer}.kafka:9093`],
          senderUsername: `${customer}-sender`,
        };
      const plan = await planStack(config, { stack: customer, projectRoot: ROOT });
      expect(plan.destinations.map((d) => d.destination)).toEqual(enabled);
      plans.push(plan);
    }
    const seconds = (performance.now() - t0) / 1000;
    const total = plans.reduce((n, p) => n + p.totalResources, 0);
    console.log(`planned 50 customer stacks (${total} resources) in ${seconds.toFixed(1)} s`);
    for (const plan of plans) {
      const cw = plan.destinations.find((d) => d.destination === "cloudwatch");
      if (cw)
        expect(cw.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup")?.settings.name).toBe(
          `/keytos-siem/${plan.customer}`,
        );
      const az = plan.destinations.find((d) => d.destination === "azure");
      if (az) expect(az.counts["azure-native:securityinsights:ScheduledAlertRule"]).toBe(27);
    }
    expect(new Set(plans.map((p) => p.customer)).size).toBe(50);
  }, 240_000);
});
