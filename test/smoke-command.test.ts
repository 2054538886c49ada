/**
 * `keytos-siem smoke --outputs` as a real process, with outputs shaped like `pulumi stack output
 * --json --show-secrets` pointing at the real Kafka broker, moto, and the local Datadog, Azure and
 * Splunk (HEC + REST) contract servers: every destination checked, table + JSON report + JUnit XML, exit codes, and
 * "sent, not verified" reported as such.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dcrBody } from "../components/azure/dcr";
import { loadPolicy } from "../components/registry";
import { splunkAlertOf, splunkSearch } from "../components/splunk/alerts";
import type { StackOutputValues } from "../stacks/outputs";
import { AzureIngestionServer } from "./support/azure-ingestion-server";
import { DatadogApiServer } from "./support/datadog-api-server";
import { DatadogIntakeServer } from "./support/datadog-intake-server";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "./support/kafka-admin";
import { SplunkHecServer } from "./support/splunk-hec-server";
import { SplunkRestServer } from "./support/splunk-rest-server";

const { kafka, moto } = inject("services");
const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "exporter", "cli", "bin.cjs");
const DCR = "dcr-0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const WORKSPACE =
  "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/secops/providers/Microsoft.OperationalInsights/workspaces/contoso";
const logGroup = `/keytos-siem/smoke-cli-${Date.now()}`;
const topic = `keytos-smoke-cli-${Date.now()}`;
const dir = mkdtempSync(path.join(tmpdir(), "keytos-smoke-cli-"));

let intake: DatadogIntakeServer;
let api: DatadogApiServer;
let azure: AzureIngestionServer;
let hec: SplunkHecServer;
let splunkRest: SplunkRestServer;
const SPLUNK_ADMIN = "smoke-admin-token";
const admin = kafkaClient(kafka.brokers, kafka.admin).admin();

beforeAll(async () => {
  const cw = new CloudWatchLogsClient({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: moto.credentials,
  });
  await cw.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
  await cw.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: "ezca" }));
  cw.destroy();
  intake = await new DatadogIntakeServer().start();
  api = await new DatadogApiServer(intake).start();
  api.monitors.set("1234", "[keytos-siem contoso] EZCA Event ID 4888");
  azure = await new AzureIngestionServer({ [DCR]: dcrBody(WORKSPACE) }).start();
  hec = await new SplunkHecServer().start();
  splunkRest = await new SplunkRestServer({ events: () => hec.indexed, tokens: [SPLUNK_ADMIN] }).start();
  // The saved searches as the component creates them.
  for (const rule of loadPolicy(path.join(ROOT, "policies/default.yaml")).rules) {
    const alert = splunkAlertOf(rule);
    if (!alert) continue;
    const res = await fetch(`${splunkRest.origin}/servicesNS/nobody/search/saved/searches?output_mode=json`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SPLUNK_ADMIN}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        name: `keytos-siem-contoso-${rule.slug}`,
        search: splunkSearch(alert, "keytos"),
      }),
    });
    expect(res.status).toBe(201);
    await res.arrayBuffer();
  }
  await admin.connect();
  await provisionLikeComponent(admin, testTopicSettings(kafka, topic, { partitions: 1 }));
});
afterAll(async () => {
  await admin.disconnect();
  await Promise.all([api.stop(), azure.stop(), hec.stop(), splunkRest.stop()]);
  await intake.stop();
});

/** What `pulumi stack output --json --show-secrets` prints for an all-destinations stack. */
function stackOutputs(): StackOutputValues {
  const rules = loadPolicy(path.join(ROOT, "policies/default.yaml")).rules;
  return {
    customer: "contoso",
    policyFile: "policies/default.yaml",
    alertRules: rules.map((r) => ({
      key: r.key,
      name: r.name,
      severity: r.severity,
      window: r.window,
      threshold: r.threshold,
      destinations: Object.keys(r.destinations).sort(),
    })),
    cloudwatch: {
      region: moto.region,
      logGroupName: logGroup,
      logGroupArn: `arn:aws:logs:${moto.region}:123456789012:log-group:${logGroup}`,
      logStreamName: "ezca",
      ingestionEndpoint: `https://logs.${moto.region}.amazonaws.com`,
      apiKeyId: null,
      alarmNames: rules.map((r) => `keytos-contoso-${r.slug}`),
    },
    datadog: { site: "datadoghq.com", intakeUrl: intake.url, apiUrl: api.origin, monitorIds: ["1234"] },
    datadogApiKey: intake.apiKey,
    azure: {
      location: "eastus",
      workspaceResourceId: WORKSPACE,
      ingestionEndpoint: azure.origin,
      dcrId: `${WORKSPACE.split("/providers/")[0]}/providers/Microsoft.Insights/dataCollectionRules/keytos-siem-contoso`,
      dcrImmutableId: DCR,
      streamNames: { EZCA_CAs_CL: "Custom-EZCA_CAs_CL" },
      tableNames: ["EZCA_CAs_CL", "EZCA_Certificates_CL", "EZMonitor_Alerts_CL"],
      senderPrincipalId: "00000000-0000-0000-0000-00000000c0de",
      ruleIds: {},
    },
    kafka: {
      bootstrapServers: kafka.brokers,
      topic,
      saslMechanism: "PLAIN",
      principal: `User:${kafka.sender.username}`,
    },
    splunk: {
      managementUrl: splunkRest.origin,
      hecUrl: hec.url,
      index: "keytos",
      useAck: false,
      app: "search",
      owner: "nobody",
      savedSearches: rules.flatMap((r) => (splunkAlertOf(r) ? [`keytos-siem-contoso-${r.slug}`] : [])),
    },
    splunkHecToken: hec.token,
  };
}

function baseEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    KEYTOS_CLOUDWATCH_ENDPOINT: moto.endpoint,
    DD_APP_KEY: api.appKey,
    KEYTOS_AZURE_CREDENTIAL: "accessToken",
    KEYTOS_AZURE_ACCESS_TOKEN: azure.token,
    KEYTOS_AZURE_QUERY_ENDPOINT: `${azure.origin}/v1`,
    // The Azure test server's certificate, trusted the way a corporate CA would be.
    NODE_EXTRA_CA_CERTS: azure.caFile,
    KEYTOS_KAFKA_USERNAME: kafka.sender.username,
    KEYTOS_KAFKA_PASSWORD: kafka.sender.password,
    KEYTOS_KAFKA_SMOKE_USERNAME: kafka.admin.username,
    KEYTOS_KAFKA_SMOKE_PASSWORD: kafka.admin.password,
    KEYTOS_KAFKA_ALLOW_PLAINTEXT: "true",
    SPLUNK_TOKEN: SPLUNK_ADMIN,
  };
}

function smoke(args: string[], env: Record<string, string>, stdin?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(AWS_|DD_|KEYTOS_|AZURE_|SPLUNK_)/.test(k)),
    );
    const child = spawn(process.execPath, [BIN, "smoke", ...args], {
      cwd: ROOT,
      env: { ...clean, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // Decoded as a stream: a chunk may end inside a multi-byte (box-drawing) character.
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.end(stdin ?? "");
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("keytos-siem smoke", () => {
  it("checks every destination from the stack outputs: table, JSON report, JUnit, exit 0", async () => {
    const outputs = path.join(dir, "outputs.json");
    writeFileSync(outputs, JSON.stringify(stackOutputs(), null, 2));
    const report = path.join(dir, "report.json");
    const junit = path.join(dir, "junit.xml");
    const r = await smoke(["--outputs", outputs, "--report", report, "--junit", junit, "--patience", "30"], {
      ...baseEnv(),
      COLUMNS: "80",
    });
    const json = JSON.parse(readFileSync(report, "utf8"));
    const failed = json.results.filter((x: { result: string }) => x.result !== "pass");
    expect(failed, r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(new Set(json.results.map((x: { destination: string }) => x.destination))).toEqual(
      new Set(["stack", "cloudwatch", "datadog", "azure", "kafka", "splunk"]),
    );
    const checks = json.results.map(
      (x: { destination: string; check: string }) => `${x.destination}: ${x.check}`,
    );
    expect(checks).toEqual(
      expect.arrayContaining([
        "stack: policy matches the deployed stack",
        "cloudwatch: read test event back",
        "datadog: find test log",
        "datadog: monitor 1234 exists",
        "azure: find test row in EZCA_Certificates_CL",
        "azure: rule EZCA:4888 sees its event",
        "kafka: consume test event back",
        "splunk: find test event",
        "splunk: saved search keytos-siem-contoso-ezca-4888",
      ]),
    );
    expect(r.stdout).toMatch(/Smoke test PASSED for contoso: \d+ passed, 0 failed, 0 sent but not verified/);
    // The table fits an 80-column terminal: details wrap under their check.
    expect(Math.max(...r.stdout.split("\n").map((l) => [...l].length))).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/│ Destination │ Result +│ Check +│/);
    expect(r.stderr).toMatch(/smoke: checking azure\.\.\./);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toMatch(
      new RegExp(
        `<testsuites name="keytos-siem smoke contoso" tests="${json.results.length}" failures="0" skipped="0"`,
      ),
    );
    expect(xml).toMatch(/<testsuite name="kafka" tests="2" failures="0" skipped="0"/);
    // The keys in the outputs never reach the console.
    expect(r.stdout + r.stderr).not.toContain(intake.apiKey);
    expect(r.stdout + r.stderr).not.toContain(azure.token);
    expect(r.stdout + r.stderr).not.toContain(hec.token);
  }, 180_000);

  it("without verification credentials: sent but not verified is reported as such, exit 1", async () => {
    const env = baseEnv();
    delete (env as Partial<typeof env>).DD_APP_KEY;
    delete (env as Partial<typeof env>).KEYTOS_KAFKA_SMOKE_USERNAME;
    const junit = path.join(dir, "junit-2.xml");
    const r = await smoke(
      [
        "--outputs",
        "-",
        "--destination",
        "datadog",
        "kafka",
        "--report",
        path.join(dir, "r2.json"),
        "--junit",
        junit,
      ],
      env,
      JSON.stringify(stackOutputs()),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/SENT, NOT VERIFIED/);
    expect(r.stdout).toMatch(
      /Smoke test NOT PASSED for contoso: \d+ passed, 0 failed, 2 sent but not verified/,
    );
    expect(readFileSync(junit, "utf8")).toMatch(/<skipped message="sent, not verified: /);
    expect(r.stdout).not.toMatch(/cloudwatch|azure/);
  }, 120_000);

  it("refuses outputs exported without --show-secrets, or not from this stack, with how to make them", async () => {
    const hidden = { ...stackOutputs(), datadogApiKey: "[secret]" };
    const r = await smoke(["--outputs", "-"], baseEnv(), JSON.stringify(hidden));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /datadogApiKey as "\[secret\]": the outputs were exported without --show-secrets; produce it with: pulumi stack output --json --show-secrets/,
    );
    const r2 = await smoke(["--outputs", "-"], baseEnv(), "not json");
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/standard input is not JSON/);
  });
});
