/** The `keytos-siem` binary as a user runs it: real process, real exit codes and streams. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG } from "../components/catalog";

const BIN = path.resolve(__dirname, "..", "exporter", "cli", "bin.cjs");

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, COLUMNS: "160" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("keytos-siem CLI", () => {
  it.each(
    [[], ["catalog"], ["policy"], ["policy", "check"], ["policy", "compile"], ["send"]].map((cmd) => ({
      cmd,
      name: cmd.join(" "),
    })),
  )("--help on `keytos-siem $name`", ({ cmd }) => {
    const r = cli(...cmd, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^Usage: ${["keytos-siem", ...cmd].join(" ")} `));
  });

  it("policy compile --json lists the High EZCA events with the guides' query shapes", () => {
    const r = cli("policy", "compile", "policies/default.yaml", "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      policy: string;
      rules: { key: string; severity: string; destinations: Record<string, Record<string, string>> }[];
    };
    const high = out.rules
      .filter((x) => x.severity === "high" && x.key.startsWith("EZCA:"))
      .map((x) => x.key);
    expect(high).toEqual(["EZCA:4882", "EZCA:92", "EZCA:23", "EZCA:19", "EZCA:4888"]);
    const r92 = out.rules.find((x) => x.key === "EZCA:92");
    expect(r92?.destinations.cloudwatch?.pattern).toBe('{ $.event.EventID = 92 && $.source = "EZCA" }');
    expect(r92?.destinations.datadog?.query).toBe(
      'logs("service:EZCA @EventID:92").index("*").rollup("count").last("5m") > 0',
    );
    expect(r92?.destinations.azure?.kql).toBe("EZCA_CAs_CL\n| where EventID_d == 92");
  });

  it("policy compile (table) and --destination", () => {
    const table = cli("policy", "compile", "policies/default.yaml");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/27 alerted events \(13 high, 14 medium\)/);
    expect(table.stdout).toContain('{ $.event.EventID = 4888 && $.source = "EZCA" }');
    const only = JSON.parse(
      cli("policy", "compile", "policies/default.yaml", "--json", "--destination", "sentinel").stdout,
    );
    expect(Object.keys(only.rules[0].destinations)).toEqual(["azure"]);
  });

  it("policy compile (table) shows each custom detection's query per destination, or why it has none", () => {
    const table = cli("policy", "compile", "policies/with-detections.yaml", "--wide");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Custom detections: 2\n/);
    expect(table.stdout).toMatch(
      /│ revocation-burst +│ medium +│ 1h +│ 5 +│ More than 5 certificates revoked within an hour +│/,
    );
    expect(table.stdout).toMatch(
      /│ web-cert-outside-admins │ cloudwatch +│ not deployed: cloudwatch cannot express "not" on User: /,
    );
    expect(table.stdout).toContain('{ ($.source = "EZCA" && $.event.EventID = 4870) }');
    expect(table.stdout).toContain(
      'logs("(service:EZCA AND @EventID:4870)").index("*").rollup("count").last("1h") > 5',
    );
    const only = cli(
      "policy",
      "compile",
      "policies/with-detections.yaml",
      "--wide",
      "--destination",
      "datadog",
    );
    expect(only.stdout).toContain("@TemplateName:WebServer");
    expect(only.stdout).not.toMatch(/cloudwatch|Source_s/);
  });

  it("a malformed policy exits 1 with the located problem on stderr and nothing on stdout", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "policy-"));
    const file = path.join(dir, "bad.yaml");
    writeFileSync(
      file,
      "version: 1\nrules:\n  - name: a\n    select: { products: [EZCA], ids: [4889] }\n    severity: high\n",
    );
    for (const cmd of ["check", "compile"]) {
      const r = cli("policy", cmd, file);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`${file}:4:39: rules[0].select.ids[0]: unknown EZCA event id 4889`);
    }
  });

  it("policy check prints OK for the default policy", () => {
    const r = cli("policy", "check", "policies/default.yaml");
    expect(r).toMatchObject({
      code: 0,
      stdout: "policies/default.yaml: OK (27 alerted events, 7 not alerted)\n",
    });
  });

  it("catalog --json lists every event; --product filters; bad options exit 1", () => {
    expect(JSON.parse(cli("catalog", "--json").stdout)).toHaveLength(CATALOG.length);
    const ezmonitor = JSON.parse(cli("catalog", "--json", "--product", "EZMonitor").stdout) as {
      product: string;
    }[];
    expect(ezmonitor.every((e) => e.product === "EZMonitor")).toBe(true);
    expect(cli("catalog").stdout).toMatch(/EZMonitor\s+│ 18\s+│ certificate-transparency\s+│ High\*/);
    const bad = cli("catalog", "--product", "EZPKI");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Allowed choices are EZCA, EZMonitor/);
    expect(cli("nonsense").code).toBe(1);
  });
});
