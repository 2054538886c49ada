/**
 * "A destination is one folder per layer and one line per registry": a test-only destination
 * (test/fixtures/echo) is added to the registries from here, with no other file changed, and shows
 * up in the stack config, the program and its outputs, plan, the policy, the CLI's compile, send,
 * help and smoke. Then the real registry's completeness: every destination has an example stack,
 * a golden plan and plan tables for every resource it creates; renamed components keep their old
 * type token as a Pulumi alias.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compilePolicySource } from "../components/policy";
import { alertCompilers, DESTINATIONS } from "../components/registry";
import { main } from "../exporter/cli/main";
import { SINKS } from "../exporter/sinks";
import { resolveStack, StackConfigError } from "../stacks/config";
import { outputsSchemaFor } from "../stacks/outputs";
import { planStack } from "../stacks/plan";
import { defineStack } from "../stacks/program";
import { echo } from "./fixtures/echo/destination";
import { delivered, echoSpec } from "./fixtures/echo/sink";
import { output, recordResources } from "./support/pulumi-mocks";

const ROOT = path.resolve(__dirname, "..");
const destinations = [...DESTINATIONS, echo];
const registries = { destinations, sinks: [...SINKS, echoSpec] };
const dir = mkdtempSync(path.join(tmpdir(), "keytos-registry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const POLICY = `version: 1
defaults: { destinations: [echo], notify: { echo: { channel: "#secops" } } }
rules:
  - { name: high, select: { criticality: [High] }, severity: high }
`;
const policyFile = path.join(dir, "echo-policy.yaml");
writeFileSync(policyFile, POLICY);

function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const out = {
    stdout: (s: string) => {
      stdout += s;
    },
    stderr: (s: string) => {
      stderr += s;
    },
  };
  return main(["node", "keytos-siem", ...argv], out, registries).then((code) => ({ code, stdout, stderr }));
}

const problems = (raw: Record<string, unknown>) => {
  try {
    resolveStack(raw, ROOT, destinations);
  } catch (err) {
    if (err instanceof StackConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe("a destination added from test/ alone", () => {
  it("stack config: keytos-siem:echo is accepted, its problems are named by key", () => {
    const s = resolveStack(
      { customer: "contoso", policyFile, echo: { topic: "alerts", copies: "2" } },
      ROOT,
      destinations,
    );
    expect(s.destinations).toEqual(["echo"]);
    expect(s.config.echo).toEqual({ topic: "alerts", copies: 2 });
    expect(problems({ policyFile, echo: { topic: "Alerts", copies: 9, extra: 1 } })).toEqual([
      expect.stringMatching(/^keytos-siem:echo.topic "Alerts" must be lower-case letters$/),
      expect.stringMatching(/^keytos-siem:echo.copies 9 must be 1, 2 or 3$/),
      expect.stringMatching(
        /^keytos-siem:echo: unknown field "extra"; allowed fields: topic, copies \(pulumi config rm --path 'keytos-siem:echo.extra'\)$/,
      ),
    ]);
    expect(problems({ policyFile, echo: { topic: "forbidden" } })).toEqual([
      "keytos-siem:echo.topic forbidden is reserved",
    ]);
    expect(problems({})[0]).toMatch(
      /no destination is enabled: set at least one of .*keytos-siem:splunk, keytos-siem:echo/,
    );
  });

  it("policy: destinations [echo] and notify.echo compile to its alerts", () => {
    const compiled = compilePolicySource(POLICY, "echo.yaml", alertCompilers(destinations));
    const r = compiled.rules.find((x) => x.key === "EZCA:4888");
    expect(r?.destinations).toEqual({ echo: { query: "echo EZCA:4888 > 0", channel: "#secops" } });
  });

  it("program: emits echo and the secret echoToken; the outputs contract accepts them", async () => {
    const registered = await recordResources((a) =>
      a.type === "echo:index:Topic" ? { token: "echo-secret-token" } : {},
    );
    const stack = resolveStack(
      { customer: "contoso", policyFile, echo: { topic: "alerts" } },
      ROOT,
      destinations,
    );
    const out = defineStack(stack, "echo-policy.yaml", () => ({
      get: () => undefined,
      getSecret: () => undefined,
    }));
    const values = {
      ...out,
      echo: await output(pulumi.output(out.echo as object)),
      echoToken: await output(out.echoToken as pulumi.Output<string>),
    };
    expect(await pulumi.isSecret(out.echoToken as pulumi.Output<string>)).toBe(true);
    expect(outputsSchemaFor(destinations).parse(values)).toMatchObject({
      echo: { topic: "contoso-alerts" },
      echoToken: "echo-secret-token",
    });
    expect(registered.map((r) => r.type)).toEqual(
      expect.arrayContaining([echo.componentType, "echo:index:Topic"]),
    );
  });

  it("plan: groups its resources under echo, with an echo alert column", async () => {
    const plan = await planStack(
      { "keytos-siem:customer": "contoso", "keytos-siem:echo": { topic: "alerts" } },
      { stack: "echo", projectRoot: ROOT, policyFile, destinations },
    );
    expect(plan.totalResources).toBe(2);
    expect(plan.destinations).toEqual([
      {
        destination: "echo",
        component: "keytos-siem:echo:EchoDestination",
        counts: { "echo:index:Topic": 1 },
        resources: [
          { type: "echo:index:Topic", name: "echo-topic", settings: { name: "contoso-alerts", alerts: 13 } },
        ],
      },
    ]);
    expect(plan.alerts.find((a) => a.key === "EZCA:4888")?.echo).toBe("echo EZCA:4888 > 0");
  });

  it("CLI: policy compile --destination echo, send --to echo, help and smoke", async () => {
    const compiled = await run(["policy", "compile", policyFile, "--json", "--destination", "echo"]);
    expect(compiled.code, compiled.stderr).toBe(0);
    expect(Object.keys(JSON.parse(compiled.stdout).rules[0].destinations)).toEqual(["echo"]);

    const sendHelp = await run(["send", "--help"]);
    expect(sendHelp.stdout).toMatch(
      /choices: "http",\s+"cloudwatch",\s+"datadog",\s+"azure",\s+"kafka",\s+"splunk",\s+"echo"\)/,
    );
    expect(sendHelp.stdout).toMatch(/^ {2}echo {8}KEYTOS_ECHO_TOPIC$/m);
    expect((await run(["smoke", "--help"])).stdout).toMatch(/^ {2}echo {8}nothing to set$/m);

    const events = path.join(dir, "events.ndjson");
    const { sampleStream } = await import("../components/catalog");
    const lines = [...sampleStream(50, { seed: 9, time: Date.now() / 1000 })].map((e) => JSON.stringify(e));
    writeFileSync(events, `${lines.join("\n")}\n`);
    process.env.KEYTOS_ECHO_TOPIC = "alerts";
    try {
      const sent = await run(["send", "--to", "echo", "--spool", path.join(dir, "spool"), "--json", events]);
      expect(sent.code, sent.stderr).toBe(0);
      expect(JSON.parse(sent.stdout)).toMatchObject({ destination: "echo", accepted: 50, sent: 50 });
    } finally {
      delete process.env.KEYTOS_ECHO_TOPIC;
    }
    expect(new Set(delivered)).toEqual(new Set(lines.map((l) => JSON.parse(l).event.RecordId)));

    const rules = compilePolicySource(POLICY, "echo.yaml", alertCompilers(destinations)).rules;
    const outputs = path.join(dir, "outputs.json");
    writeFileSync(
      outputs,
      JSON.stringify({
        customer: "contoso",
        policyFile,
        alertRules: rules.map((r) => ({ ...r, destinations: Object.keys(r.destinations) })),
        echo: { topic: "contoso-alerts" },
        echoToken: "echo-secret-token",
      }),
    );
    const report = path.join(dir, "report.json");
    const smoke = await run([
      "smoke",
      "--outputs",
      outputs,
      "--policy",
      policyFile,
      "--report",
      report,
      "--json",
    ]);
    expect(smoke.code, smoke.stderr).toBe(0);
    expect(JSON.parse(readFileSync(report, "utf8")).results).toEqual([
      expect.objectContaining({ destination: "stack", result: "pass" }),
      expect.objectContaining({ destination: "echo", check: "topic from the outputs", result: "pass" }),
    ]);
    expect(smoke.stdout + smoke.stderr).not.toContain("echo-secret-token");
  });
});

describe("the registry is complete", () => {
  it.each(DESTINATIONS.map((d) => d.key))(
    "%s has an example stack, a golden plan and plan tables for all it creates",
    async (key) => {
      const example = path.join(ROOT, "stacks", `Pulumi.example-${key}.yaml`);
      expect(existsSync(example), example).toBe(true);
      expect(existsSync(path.join(ROOT, "test", "golden", `plan-example-${key}.json`))).toBe(true);
      const plan = await planStack(parse(readFileSync(example, "utf8")).config, {
        stack: `example-${key}`,
        projectRoot: ROOT,
      });
      const d = DESTINATIONS.find((x) => x.key === key);
      const types = new Set([
        ...plan.providers.map((p) => p.type),
        ...plan.destinations.flatMap((g) => g.resources.map((r) => r.type)),
      ]);
      expect([...types].filter((t) => !d?.plan.show[t])).toEqual([]);
    },
  );
});

describe("renamed components", () => {
  it("declare their old type token as a Pulumi alias, so deployed stacks replace nothing", async () => {
    // The cloud's answers, as plan gives them (endpoints, ids, the service principal).
    const { azure } = await import("../components/azure/destination");
    await recordResources(
      (a) => azure.plan.mock?.[a.type as keyof typeof azure.plan.mock]?.(a).state ?? {},
      (token, inputs) => azure.plan.invoke?.[token as keyof typeof azure.plan.invoke]?.(inputs),
    );
    const seen = new Map<string, unknown>();
    const watch: pulumi.ResourceTransformation = (a) => {
      seen.set(a.type, a.opts.aliases);
      return undefined;
    };
    const { CloudWatchDestination } = await import("../components/cloudwatch");
    const { AzureDestination, SentinelDestination } = await import("../components/azure");
    new CloudWatchDestination(
      "cw",
      { customer: "c", region: "us-east-1", rules: [] },
      { transformations: [watch] },
    );
    new AzureDestination(
      "az",
      {
        customer: "c",
        location: "eastus",
        workspaceId:
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w",
        rules: [],
      },
      { transformations: [watch] },
    );
    expect(seen.get("keytos-siem:cloudwatch:CloudWatchDestination")).toEqual([
      { type: "keytos-siem:aws:CloudWatchDestination" },
    ]);
    expect(seen.get("keytos-siem:azure:AzureDestination")).toEqual([
      { type: "keytos-siem:azure:SentinelDestination" },
    ]);
    expect(SentinelDestination).toBe(AzureDestination);
  });
});
