/**
 * Alerts that notify nobody (an alarm without an action, a monitor without an @-handle, an
 * analytics rule that opens no incident) are warned about, by policy rule and destination, with
 * how to add a target: the pure check, and `keytos-siem policy check` printing it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { silentAlerts } from "../components/policy";
import { alertCompilers, loadPolicy } from "../components/registry";
import { compilePolicyText } from "./support/policy";

const BIN = path.resolve(__dirname, "..", "exporter", "cli", "bin.cjs");

const NO_TARGETS = `version: 1
rules:
  - name: privesc
    select: { products: [EZCA], ids: [4888] }
    severity: high
  - name: other-high
    select: { criticality: [High] }
    severity: high
    notify:
      cloudwatch: { topicArns: ["arn:aws:sns:us-east-1:123456789012:secops"] }
      datadog: { handles: ["@slack-pki"] }
      azure: { createIncident: false }
      splunk: { webhookUrl: "https://hooks.example.com/secops" }
`;

describe("alerts that notify nobody", () => {
  it("the default policy and the examples notify someone at every destination", () => {
    expect(silentAlerts(loadPolicy("policies/default.yaml"), alertCompilers())).toEqual([]);
  });

  it("one warning per rule and destination, naming the events and how to add a target", () => {
    const warnings = silentAlerts(compilePolicyText(NO_TARGETS), alertCompilers());
    expect(warnings.map((w) => [w.rule, w.destination, w.events.length])).toEqual([
      ["privesc", "cloudwatch", 1],
      ["privesc", "datadog", 1],
      ["privesc", "splunk", 1],
      ["other-high", "azure", 12],
    ]);
    expect(warnings[0]?.message).toBe(
      'policy rule "privesc": 1 cloudwatch alert notifies nobody (EZCA:4888); add notify.cloudwatch.emails ' +
        "or .topicArns (policy defaults or this rule), or the stack's keytos-siem:cloudwatch.alarmTopicArn",
    );
    expect(warnings[1]?.message).toMatch(
      /1 datadog alert notifies nobody \(EZCA:4888\); add notify\.datadog\.handles/,
    );
    expect(warnings[2]?.message).toMatch(
      /1 splunk alert notifies nobody \(EZCA:4888\); add notify\.splunk\.emails or \.webhookUrl/,
    );
    expect(warnings[3]?.message).toMatch(
      /^policy rule "other-high": 12 azure alerts notify nobody \(EZCA:4882, EZCA:92, EZCA:23, EZCA:19 and 8 more\); set notify\.azure\.createIncident: true/,
    );
  });

  it("only the destinations a rule alerts at, and only the compilers given", () => {
    const policy = compilePolicyText(`version: 1
rules:
  - { name: dd-only, select: { criticality: [High] }, severity: high, destinations: [datadog] }
`);
    expect(silentAlerts(policy, alertCompilers()).map((w) => w.destination)).toEqual(["datadog"]);
    const [, datadog] = alertCompilers();
    expect(
      silentAlerts(
        policy,
        alertCompilers().filter((a) => a !== datadog),
      ),
    ).toEqual([]);
  });

  it("`policy check` prints them on stderr, still exits 0; none for the default policy", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "policy-")), "quiet.yaml");
    writeFileSync(file, NO_TARGETS);
    const r = spawnSync(process.execPath, [BIN, "policy", "check", file], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${file}: OK (13 alerted events, 21 not alerted)\n`);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^keytos-siem: warning: policy rule "privesc": 1 cloudwatch alert notifies nobody/,
      ),
      expect.stringMatching(/^keytos-siem: warning: policy rule "privesc": 1 datadog alert notifies nobody/),
      expect.stringMatching(/^keytos-siem: warning: policy rule "privesc": 1 splunk alert notifies nobody/),
      expect.stringMatching(/^keytos-siem: warning: policy rule "other-high": 12 azure alerts notify nobody/),
    ]);
    const ok = spawnSync(process.execPath, [BIN, "policy", "check", "policies/default.yaml"], {
      encoding: "utf8",
      cwd: path.resolve(__dirname, ".."),
    });
    expect([ok.status, ok.stderr]).toEqual([0, ""]);
  });
});
