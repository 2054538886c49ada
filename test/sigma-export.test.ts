/**
 * `keytos-siem policy export --format sigma`: one Sigma rule per alerted event, with a stable
 * UUIDv5 id per (product, event id), the catalog's words, the policy's severity, the custom log
 * source and a detection on source, sourcetype and the event id as a number; the pipelines beside.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { v5 as uuidv5, validate, version } from "uuid";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadPolicy } from "../components/registry";
import { SIGMA_PIPELINES, SIGMA_RULE_NAMESPACE, type SigmaRule, sigmaRuleId } from "../components/sigma";

const BIN = path.resolve(__dirname, "..", "exporter", "cli", "bin.cjs");
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const compiled = loadPolicy("policies/default.yaml").rules;

describe("policy export --format sigma", () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), "sigma-")), "export");
  const r = cli("policy", "export", "policies/default.yaml", "--format", "sigma", "--out", out, "--json");
  const summary = JSON.parse(r.stdout) as { rules: string[]; pipelines: string[]; removed: string[] };
  const rules = summary.rules.map((f) => parse(readFileSync(path.join(out, f), "utf8")) as SigmaRule);

  it("writes one rule per alerted event and every pipeline", () => {
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(rules.length).toBe(compiled.length);
    const written = readdirSync(path.join(out, "rules")).map((f) => `rules/${f}`);
    expect(written.sort()).toEqual([...summary.rules].sort());
    expect(readdirSync(path.join(out, "pipelines")).sort()).toEqual(
      SIGMA_PIPELINES.map((p) => p.file).sort(),
    );
  });

  it("ids are UUIDv5 of (product, event id) under the project's namespace: stable and unique", () => {
    expect(new Set(rules.map((x) => x.id)).size).toBe(rules.length);
    for (const [i, rule] of rules.entries()) {
      const c = compiled[i] as (typeof compiled)[number];
      expect(validate(rule.id) && version(rule.id)).toBe(5);
      expect(rule.id).toBe(uuidv5(`${c.product}:${c.id}`, SIGMA_RULE_NAMESPACE));
    }
    // The cross-product collisions get different ids.
    expect(sigmaRuleId("EZCA", 19)).not.toBe(sigmaRuleId("EZMonitor", 19));
  });

  it("carries the catalog's words, the policy's severity, the log source and a numeric id", () => {
    const byFile = new Map(summary.rules.map((f, i) => [f, rules[i] as SigmaRule]));
    const ca = byFile.get("rules/keytos_ezca_19.yml") as SigmaRule;
    expect(ca).toMatchObject({
      title: "Keytos EZCA CA deleted",
      status: "test",
      level: "high",
      logsource: { product: "keytos", service: "ezca" },
      detection: {
        selection: { source: "EZCA", sourcetype: "EZCA_CAs", EventID: 19 },
        condition: "selection",
      },
      tags: ["attack.impact", "attack.t1485"],
    });
    expect(ca.description).toMatch(/^This indicates that a CA was deleted/);
    expect(ca.falsepositives.length).toBeGreaterThan(0);
    expect(ca.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const monitor = byFile.get("rules/keytos_ezmonitor_19.yml") as SigmaRule;
    expect(monitor.logsource).toEqual({ product: "keytos", service: "ezmonitor" });
    expect(monitor.detection.selection).toEqual({
      source: "EZMonitor",
      sourcetype: "EZMonitor_Alerts",
      VulnerabilityID: 19,
    });
    // Levels follow the policy rules: the medium rule's events are medium.
    const medium = compiled.filter((c) => c.severity === "medium").length;
    expect(rules.filter((x) => x.level === "medium").length).toBe(medium);
  });

  it("a second export to the same folder writes the same bytes and removes rules no longer alerted", () => {
    const rulesDir = path.join(out, "rules");
    const before = readFileSync(path.join(rulesDir, "keytos_ezca_19.yml"), "utf8");
    writeFileSync(path.join(rulesDir, "keytos_ezca_1.yml"), "title: old\n");
    writeFileSync(path.join(rulesDir, "mine.yml"), "kept\n");
    const again = cli("policy", "export", "policies/default.yaml", "--format", "sigma", "--out", out);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /27 Sigma rules in .*, 5 pySigma pipelines .*removed 1 rules the policy no longer alerts/,
    );
    expect(readFileSync(path.join(rulesDir, "keytos_ezca_19.yml"), "utf8")).toBe(before);
    expect(readdirSync(rulesDir)).not.toContain("keytos_ezca_1.yml");
    expect(readdirSync(rulesDir)).toContain("mine.yml");
  });

  it("mistakes are one line and exit 1", () => {
    const file = path.join(out, "rules/keytos_ezca_19.yml");
    const cases: [string[], RegExp][] = [
      [["--out", out], /^keytos-siem: required option '--format <format>' not specified/],
      [["--format", "csv", "--out", out], /argument 'csv' is invalid\. Allowed choices are sigma/],
      [["--format", "sigma"], /required option '--out <dir>' not specified/],
      [["--format", "sigma", "--out", file], /^keytos-siem: --out .* is a file: give a folder/],
    ];
    for (const [args, message] of cases) {
      const bad = cli("policy", "export", "policies/default.yaml", ...args);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(message);
      expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(cli("policy", "export", "--help").stdout).toMatch(/^Usage: keytos-siem policy export /);
  });
});
