/**
 * Every user mistake the CLI can meet reading files or options is one line on stderr naming the
 * problem and the fix, exit 1, nothing on stdout and no stack trace; internal errors stay exit 2.
 * `plan` without a stack lists the stacks it can plan.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../exporter/cli/main";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "exporter", "cli", "bin.cjs");
const dir = mkdtempSync(path.join(tmpdir(), "keytos-cli-mistakes-"));
const at = (name: string) => path.join(dir, name);

writeFileSync(at("bad.json"), '{ "customer": "contoso",\n');
writeFileSync(at("bad.yaml"), "version: 1\nrules: [\n");
writeFileSync(at("events.ndjson"), "");
mkdirSync(at("folder"));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    input: "",
    env: { ...process.env, KEYTOS_HTTP_URL: "http://127.0.0.1:9/ingest", KEYTOS_HTTP_TOKEN: "t", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const spool = ["--spool", at("spool")];

// [what, args, the problem and the fix the one line must name]
const MISTAKES: [string, string[], RegExp][] = [
  [
    "smoke: missing outputs file",
    ["smoke", "--outputs", at("missing.json")],
    /missing\.json: cannot read the stack outputs file: no such file \(check the path\); produce it with: pulumi stack output --json --show-secrets/,
  ],
  [
    "smoke: outputs path is a folder",
    ["smoke", "--outputs", at("folder")],
    /folder: cannot read the stack outputs file: it is a folder \(give the path of a file\); produce it with/,
  ],
  [
    "smoke: outputs not JSON",
    ["smoke", "--outputs", at("bad.json")],
    /bad\.json is not JSON \(.*line 2.*\); produce it with: pulumi stack output --json --show-secrets/,
  ],
  [
    "smoke: YAML given as outputs",
    ["smoke", "--outputs", at("bad.yaml")],
    /bad\.yaml is not JSON .*produce it/,
  ],
  [
    "smoke: unknown destination",
    ["smoke", "--outputs", at("bad.json"), "--destination", "elastic"],
    /argument 'elastic' is invalid\. Allowed choices are cloudwatch, datadog, azure, kafka, splunk\. \(usage: keytos-siem smoke --help\)/,
  ],
  [
    "policy check: missing file",
    ["policy", "check", at("missing.yaml")],
    /missing\.yaml: cannot read the alert policy file: no such file \(check the path\)/,
  ],
  [
    "policy check: folder",
    ["policy", "check", at("folder")],
    /folder: cannot read the alert policy file: it is a folder \(give the path of a file\)/,
  ],
  ["policy check: bad YAML", ["policy", "check", at("bad.yaml")], /bad\.yaml:3:\d+: YAML syntax: /],
  ["policy compile: bad YAML", ["policy", "compile", at("bad.yaml")], /bad\.yaml:3:\d+: YAML syntax: /],
  [
    "policy compile: unknown destination",
    ["policy", "compile", "policies/default.yaml", "--destination", "elastic"],
    /argument 'elastic' is invalid\. Allowed choices are .*\(usage: keytos-siem policy compile --help\)/,
  ],
  [
    "plan: unknown stack",
    ["plan", "--stack", "contoso-prod"],
    /unknown stack "contoso-prod": there is no stacks\/Pulumi\.contoso-prod\.yaml; stacks you can plan: example-all, .* \(or give --config FILE\)/,
  ],
  [
    "plan: missing config file",
    ["plan", "--config", at("missing.yaml")],
    /cannot read the stack config file: no such file \(check the path\)/,
  ],
  [
    "plan: config is a folder",
    ["plan", "--config", at("folder")],
    /cannot read the stack config file: it is a folder/,
  ],
  ["plan: config is bad YAML", ["plan", "--config", at("bad.yaml")], /bad\.yaml:3:\d+: YAML syntax: /],
  [
    "plan: missing policy",
    ["plan", "--stack", "example-kafka", "--policy", at("missing.yaml")],
    /^keytos-siem: invalid stack configuration: keytos-siem:policyFile .*cannot read the alert policy file: no such file/,
  ],
  [
    "send: unknown destination",
    ["send", "--to", "elastic"],
    /argument 'elastic' is invalid\. Allowed choices are http, .*\(usage: keytos-siem send --help\)/,
  ],
  [
    "send: missing config file",
    ["send", "--to", "http", "--config", at("missing.yaml"), ...spool],
    /missing\.yaml: cannot read the send config file: no such file \(check the path\)/,
  ],
  [
    "send: config is a folder",
    ["send", "--to", "http", "--config", at("folder"), ...spool],
    /cannot read the send config file: it is a folder/,
  ],
  [
    "send: config is bad YAML",
    ["send", "--to", "http", "--config", at("bad.yaml"), ...spool],
    /bad\.yaml:3:\d+: YAML syntax: /,
  ],
  [
    "send: input is a folder",
    ["send", "--to", "http", at("folder"), ...spool],
    /folder: cannot read the input file: it is a folder \(give the path of a file\)/,
  ],
  [
    "send: bad drain timeout",
    ["send", "--to", "http", "--drain-timeout", "soon", at("events.ndjson"), ...spool],
    /--drain-timeout must be seconds >= 0, got "soon"/,
  ],
  ["an unknown command", ["deploy"], /unknown command 'deploy' \(usage: keytos-siem --help\)/],
  [
    "an unknown option",
    ["catalog", "--colour"],
    /unknown option '--colour' \(usage: keytos-siem catalog --help\)/,
  ],
  ["a missing option", ["send"], /required option '--to <destination>' not specified/],
];

describe("a user's mistake is one line naming the problem and the fix, exit 1", () => {
  it.each(MISTAKES)("%s", (_what, args, message) => {
    const r = cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^keytos-siem: [^\n]+\n$/); // one line
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
  });

  it.each([
    [
      "no HEC token",
      { SPLUNK_HEC_URL: "https://splunk.example.com:8088" },
      /^keytos-siem: invalid --to splunk settings: no HEC token: export SPLUNK_HEC_TOKEN\n$/,
    ],
    [
      "a hecUrl that is no URL",
      { SPLUNK_HEC_URL: "splunk:8088", SPLUNK_HEC_TOKEN: "t" },
      /^keytos-siem: SPLUNK_HEC_URL: must be the http\(s\) URL of the HTTP Event Collector, e.g\. https:\/\/splunk\.example\.com:8088 \(got "splunk:8088"\)\n$/,
    ],
    [
      "no hecUrl",
      { SPLUNK_HEC_TOKEN: "t" },
      /^keytos-siem: \(environment\): splunk\.hecUrl: required for --to splunk: set it in the config file or SPLUNK_HEC_URL\n$/,
    ],
    [
      "a plain-HTTP hecUrl to another host",
      { SPLUNK_HEC_URL: "http://splunk.example.com:8088", SPLUNK_HEC_TOKEN: "t" },
      /^keytos-siem: invalid --to splunk settings: splunk\.hecUrl http:\/\/splunk\.example\.com:8088 is plain HTTP: use https:\/\/ [^\n]+\n$/,
    ],
  ])("send --to splunk with %s: one line, exit 1", (_what, env, message) => {
    const r = cli(["send", "--to", "splunk", ...spool, at("events.ndjson")], env);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("SPLUNK_HEC_TOKEN=");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
  });

  it("smoke checks where its report goes before running any check", () => {
    writeFileSync(
      at("outputs.json"),
      JSON.stringify({ customer: "contoso", policyFile: "policies/default.yaml", alertRules: [] }),
    );
    const r = cli(["smoke", "--outputs", at("outputs.json"), "--report", at("nowhere/report.json")]);
    expect(r.stderr).toMatch(
      /^keytos-siem: --report .*nowhere\/report\.json: the folder .*nowhere does not exist; create it or give another path\n$/,
    );
    expect(r.code).toBe(1);
  });

  it("an internal error is not taken for a mistake: it propagates (bin.cjs exits 2 with the trace)", async () => {
    const broken = {
      stdout: () => {
        throw new TypeError("stdout closed");
      },
      stderr: () => undefined,
    };
    await expect(main(["node", "keytos-siem", "catalog"], broken)).rejects.toThrow(TypeError);
  });
});

describe("plan without a stack lists the stacks it can plan", () => {
  const stacks = readdirSync(path.join(ROOT, "stacks"))
    .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
    .map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""))
    .sort();

  it("names each stack file with its customer and destinations, and how to pick one; exit 0", () => {
    const r = cli(["plan"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Stacks you can plan \(stacks\/Pulumi\.<name>\.yaml\):\n/);
    for (const s of stacks) expect(r.stdout).toMatch(new RegExp(`^  ${s} +customer `, "m"));
    expect(r.stdout).toMatch(
      / {2}example-all +customer contoso: cloudwatch, datadog, azure, kafka, splunk\n/,
    );
    expect(r.stdout).toMatch(/Plan one: keytos-siem plan --stack example-all\n/);
    expect(r.stdout).toMatch(/--config FILE/);
  });

  it("--json gives the list", () => {
    const r = cli(["plan", "--json"]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { stacks: { name: string; file: string; destinations: string[] }[] };
    expect(list.stacks.map((s) => s.name)).toEqual(stacks);
    expect(list.stacks.find((s) => s.name === "example-kafka")).toEqual({
      name: "example-kafka",
      file: "stacks/Pulumi.example-kafka.yaml",
      customer: "tailspin",
      destinations: ["kafka"],
    });
  });
});

describe("one pass reports every problem of a stack and its policy", () => {
  it("a bad field, an invalid region, and a policy with a bad field and an unknown event id", () => {
    const policy = at("policy.yaml");
    writeFileSync(
      policy,
      "version: 1\nrules:\n  - name: a\n    select: { products: [EZCA], ids: [4889] }\n    severity: high\n    windw: 5m\n",
    );
    const stack = at("Pulumi.broken.yaml");
    writeFileSync(
      stack,
      `config:\n  keytos-siem:policyFile: ${policy}\n  keytos-siem:cloudwatch:\n    region: mars-1\n    retention: 30\n`,
    );
    const r = cli(["plan", "--config", stack]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policy\.yaml:4:39: rules\[0\]\.select\.ids\[0\]: unknown EZCA event id 4889/);
    expect(r.stderr).toMatch(/policy\.yaml:6:5: rules\[0\]\.windw: unknown field "windw"/);
    expect(r.stderr).toMatch(/keytos-siem:cloudwatch\.region "mars-1" is not an AWS region/);
    expect(r.stderr).toMatch(/keytos-siem:cloudwatch: unknown field "retention"/);
  });
});

describe("send --config: one pass reports the file's problems and the environment's, each naming where it came from", () => {
  const send = (to: string, config: string | undefined, env: Record<string, string>) =>
    cli(["send", "--to", to, ...(config ? ["--config", config] : []), ...spool, at("events.ndjson")], env);
  const problems = (stderr: string) => stderr.split("\n").slice(1, -1);

  it("a bad value and a typo in the file, a bad AWS_REGION, a field set nowhere", () => {
    const config = at("send-cloudwatch.yaml");
    writeFileSync(
      config,
      "pipeline:\n  maxInFlight: 0\ncloudwatch:\n  logGroupName: /keytos/audit\n  logStreamNme: exporter\n",
    );
    const r = send("cloudwatch", config, { AWS_REGION: "bogus" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^keytos-siem: invalid send config ${config} \\(4 problems\\):\\n`));
    const lines = problems(r.stderr);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^  ${config}:2:16: pipeline\\.maxInFlight: `));
    expect(lines[1]).toMatch(
      new RegExp(`^  ${config}:5:3: cloudwatch\\.logStreamNme: unknown field "logStreamNme"`),
    );
    expect(lines[2]).toMatch(
      /^ {2}AWS_REGION: is not an AWS region with CloudWatch Logs; .*\(got "bogus"\)$/,
    );
    expect(lines[3]).toBe(
      `  ${config}: cloudwatch.logStreamName: required for --to cloudwatch: set it in the config file or KEYTOS_CLOUDWATCH_LOG_STREAM`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("DD_SITE and KEYTOS_HTTP_URL likewise, with the file's problems or alone; a variable the file overrides is not checked", () => {
    const datadog = at("send-datadog.yaml");
    writeFileSync(datadog, "datadog:\n  sit: datadoghq.eu\n");
    const dd = send("datadog", datadog, { DD_SITE: "datadoghq.mars", DD_API_KEY: "k" });
    expect(dd.code).toBe(1);
    expect(problems(dd.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^  ${datadog}:2:3: datadog\\.sit: unknown field "sit"`)),
      expect.stringMatching(
        /^ {2}DD_SITE: is not a Datadog site; use one of datadoghq\.com, .* \(got "datadoghq\.mars"\)$/,
      ),
    ]);

    const http = at("send-http.yaml");
    writeFileSync(http, "http:\n  maxEventsPerRequest: 100\n  tokn: abc\n");
    const h = send("http", http, { KEYTOS_HTTP_URL: "ftp://collector" });
    expect(problems(h.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^  ${http}:3:3: http\\.tokn: unknown field "tokn"`)),
      '  KEYTOS_HTTP_URL: must be an http(s) URL (got "ftp://collector")',
    ]);

    // No file: the environment's problem alone, one line.
    const alone = send("datadog", undefined, { DD_SITE: "datadoghq.mars", DD_API_KEY: "k" });
    expect(alone.stderr).toMatch(
      /^keytos-siem: DD_SITE: is not a Datadog site; [^\n]+\(got "datadoghq\.mars"\)\n$/,
    );
    expect(alone.code).toBe(1);

    // The file sets the region: AWS_REGION is not used, so not a problem.
    const overrides = at("send-region.yaml");
    writeFileSync(overrides, "cloudwatch:\n  region: eu-west-1\n  logGroupNme: /keytos/audit\n");
    const o = send("cloudwatch", overrides, {
      AWS_REGION: "bogus",
      KEYTOS_CLOUDWATCH_LOG_GROUP: "/keytos/audit",
      KEYTOS_CLOUDWATCH_LOG_STREAM: "exporter",
    });
    expect(o.stderr).toMatch(
      new RegExp(`^keytos-siem: ${overrides}:3:3: cloudwatch\\.logGroupNme: unknown field`),
    );
    expect(o.stderr).not.toContain("AWS_REGION");
  });
});
