import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG } from "../components/catalog";
import { PolicyError } from "../components/policy";
import { loadPolicy } from "../components/registry";
import { compilePolicyText } from "./support/policy";

const compile = (yaml: string) => compilePolicyText(yaml, "test.yaml");

/** The located problems of a bad policy, as printed lines. */
function problems(yaml: string): string[] {
  try {
    compile(yaml);
  } catch (err) {
    if (err instanceof PolicyError) {
      // One problem is one line; several follow a heading line.
      const lines = err.message.split("\n");
      return (lines.length === 1 ? lines : lines.slice(1)).map((l) => l.trim());
    }
    throw err;
  }
  throw new Error("policy was accepted");
}

describe("default policy (the guides' advice)", () => {
  const compiled = loadPolicy("policies/default.yaml");
  const byKey = new Map(compiled.rules.map((r) => [r.key, r]));

  it("alerts on the High EZCA events with the guides' query shapes", () => {
    const highEzca = compiled.rules
      .filter((r) => r.product === "EZCA" && r.severity === "high")
      .map((r) => r.id);
    expect(highEzca).toEqual([4882, 92, 23, 19, 4888]);
    const r = byKey.get("EZCA:4888");
    expect(r?.destinations.cloudwatch?.pattern).toBe('{ $.event.EventID = 4888 && $.source = "EZCA" }');
    expect(r?.destinations.datadog?.query).toBe(
      'logs("service:EZCA @EventID:4888").index("*").rollup("count").last("5m") > 0',
    );
    expect(r?.destinations.azure).toMatchObject({
      table: "EZCA_Certificates_CL",
      kql: "EZCA_Certificates_CL\n| where EventID_d == 4888",
      severity: "High",
      queryFrequency: "PT5M",
      queryPeriod: "PT5M",
      triggerThreshold: 0,
      createIncident: true,
    });
    expect(byKey.get("EZCA:4882")?.destinations.azure?.kql).toBe("EZCA_CAs_CL\n| where EventID_d == 4882");
    expect(byKey.get("EZCA:19")?.destinations.cloudwatch?.pattern).toBe(
      '{ $.event.EventID = 19 && $.source = "EZCA" }',
    );
  });

  it("uses the guide's EZMonitor pattern and the EZMonitor table", () => {
    const r = byKey.get("EZMonitor:18");
    expect(r?.destinations.cloudwatch?.pattern).toBe(
      '{ $.source = "EZMonitor" && $.sourcetype = "EZMonitor_Alerts" && $.event.VulnerabilityID = 18 }',
    );
    expect(r?.destinations.datadog?.search).toBe("service:EZMonitor @VulnerabilityID:18");
    expect(r?.destinations.azure?.kql).toBe("EZMonitor_Alerts_CL\n| where VulnerabilityID_d == 18");
  });

  it("gives Medium events a lower-severity, longer-window alert and Low events none", () => {
    const medium = CATALOG.filter((e) => e.criticality === "Medium");
    for (const e of medium) {
      expect(byKey.get(`${e.product}:${e.id}`)).toMatchObject({
        severity: "medium",
        window: "1h",
        windowSeconds: 3600,
      });
    }
    expect(byKey.get("EZCA:4870")?.destinations.datadog?.priority).toBe(3);
    expect(byKey.get("EZCA:4888")?.destinations.datadog?.priority).toBe(1);
    const low = CATALOG.filter((e) => e.criticality === "Low").map((e) => `${e.product}:${e.id}`);
    expect(low.every((k) => !byKey.has(k))).toBe(true);
    expect(compiled.unalerted.map((u) => u.key).sort()).toEqual(low.sort());
    expect(compiled.rules).toHaveLength(CATALOG.length - low.length);
  });

  it("is the README's alert-policy example, verbatim", () => {
    const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const marker = readme.indexOf("<!-- policies/default.yaml ");
    expect(marker).toBeGreaterThan(0);
    const block = /^```yaml\n([\s\S]*?)^```$/m.exec(readme.slice(marker))?.[1];
    expect(block).toBe(readFileSync(path.join(__dirname, "..", "policies", "default.yaml"), "utf8"));
  });

  it("declares the CloudWatch metric and alarm for each rule", () => {
    expect(byKey.get("EZCA:92")?.destinations.cloudwatch).toMatchObject({
      metricNamespace: "KeytosSIEM",
      metricName: "EZCA-92",
      period: 300,
      evaluationPeriods: 1,
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    });
  });
});

describe("policy semantics", () => {
  it("applies rules in order (first match wins), overrides, exclusions, destinations and notify merge", () => {
    const { rules, unalerted } = compile(`
version: 1
defaults:
  window: 15m
  notify:
    datadog: { handles: ["@pagerduty-secops"] }
    cloudwatch: { emails: [secops@example.com] }
criticality:
  - select: { products: [EZMonitor], ids: [25] }
    criticality: High
rules:
  - name: privesc
    select: { products: [EZCA], ids: [4888, 92] }
    severity: high
    window: 1h
    threshold: 2
    destinations: [datadog, sentinel]
    notify:
      datadog: { handles: ["@slack-pki"] }
      sentinel: { createIncident: false, suppressFor: 1h }
  - name: rest-high
    select: { criticality: [High] }
    severity: medium
exclude:
  - { products: [EZMonitor], categories: [internal-network-scan] }
`);
    const byKey = new Map(rules.map((r) => [r.key, r]));
    const privesc = byKey.get("EZCA:4888");
    expect(privesc).toMatchObject({ rule: "privesc", window: "1h", threshold: 2 });
    expect(privesc?.destinations.cloudwatch).toBeUndefined();
    expect(privesc?.destinations.datadog?.handles).toEqual(["@slack-pki"]);
    expect(privesc?.destinations.datadog?.query).toMatch(/last\("1h"\) > 2$/);
    expect(privesc?.destinations.azure).toMatchObject({
      createIncident: false,
      suppressionDuration: "PT1H",
      triggerThreshold: 2,
    });
    expect(byKey.get("EZCA:4882")).toMatchObject({ rule: "rest-high", severity: "medium", window: "15m" });
    expect(byKey.get("EZCA:4882")?.destinations.cloudwatch?.emails).toEqual(["secops@example.com"]);
    expect(byKey.get("EZMonitor:25")).toMatchObject({ criticality: "High", rule: "rest-high" });
    expect(byKey.has("EZMonitor:30")).toBe(false);
    expect(unalerted.find((u) => u.key === "EZMonitor:30")?.reason).toBe("excluded");
  });

  it("keeps EZCA and EZMonitor ids apart", () => {
    const { rules } = compile(`
version: 1
rules:
  - name: ezmonitor-19
    select: { products: [EZMonitor], ids: [19] }
    severity: low
`);
    expect(rules.map((r) => r.key)).toEqual(["EZMonitor:19"]);
  });

  it("disabled rules alert nothing", () => {
    const { rules } = compile(`
version: 1
rules:
  - { name: a, select: { products: [EZCA], ids: [19] }, severity: high, enabled: false }
  - { name: b, select: { products: [EZCA], ids: [92] }, severity: high }
`);
    expect(rules.map((r) => r.key)).toEqual(["EZCA:92"]);
  });
});

describe("policy errors name file, line, field, bad value and what is allowed", () => {
  it("unknown event id", () => {
    expect(
      problems(
        "version: 1\nrules:\n  - name: a\n    select: { products: [EZCA], ids: [4888, 4999] }\n    severity: high\n",
      ),
    ).toEqual([
      "test.yaml:4:45: rules[0].select.ids[1]: unknown EZCA event id 4999; known EZCA ids: 4882, 92, 23, 19, 28, 22, 12, 4888, 4870, 4872, 4887",
    ]);
  });

  it("unknown product", () => {
    const [p] = problems(
      "version: 1\nrules:\n  - name: a\n    select: { products: [EZPKI] }\n    severity: high\n",
    );
    expect(p).toMatch(
      /^test\.yaml:4:26: rules\[0\]\.select\.products\[0\]: .*"EZCA"\|"EZMonitor".*\(got "EZPKI"\)$/,
    );
  });

  it("bad duration", () => {
    expect(
      problems(
        "version: 1\nrules:\n  - name: a\n    select: { criticality: [High] }\n    severity: high\n    window: 2w\n",
      ),
    ).toEqual([
      'test.yaml:6:13: rules[0].window: bad duration "2w": use a whole number with m, h or d, from 5m to 1d (e.g. 5m, 15m, 1h, 1d)',
    ]);
    expect(
      problems(
        "version: 1\nrules:\n  - name: a\n    select: { criticality: [High] }\n    severity: high\n    window: 1m\n",
      )[0],
    ).toMatch(/bad duration "1m"/);
  });

  it("duplicate rule and shadowed rule", () => {
    const found = problems(
      "version: 1\nrules:\n  - { name: a, select: { criticality: [High] }, severity: high }\n  - { name: a, select: { products: [EZCA], ids: [4888] }, severity: low }\n",
    );
    expect(found).toEqual([
      'test.yaml:4:13: rules[1].name: duplicate rule name "a" (also rules[0])',
      "test.yaml:4:24: rules[1].select: every event this rule selects is already alerted by earlier rule(s) a; rules apply in order, first match wins",
    ]);
  });

  it("unknown field lists the allowed ones", () => {
    const [p] = problems(
      "version: 1\nrules:\n  - name: a\n    select: { criticality: [High] }\n    severity: high\n    windw: 5m\n",
    );
    expect(p).toBe(
      'test.yaml:6:5: rules[0].windw: unknown field "windw"; allowed fields: name, description, select, severity, window, threshold, destinations, notify, enabled',
    );
  });

  it("ids without a single product, empty select, category of another product", () => {
    const found = problems(`version: 1
rules:
  - { name: a, select: { ids: [19] }, severity: high }
  - { name: b, select: {}, severity: high }
  - { name: c, select: { products: [EZCA], categories: [network-scan] }, severity: high }
`);
    expect(found[0]).toMatch(
      /^test\.yaml:3:\d+: rules\[0\]\.select\.ids: ids overlap between EZCA and EZMonitor: add products: \[EZCA\]/,
    );
    expect(found[1]).toMatch(/^test\.yaml:4:\d+: rules\[1\]\.select: select must name at least one of/);
    expect(found).toContainEqual(
      expect.stringMatching(/rules\[2\]\.select\.categories\[0\]: category "network-scan" is not in EZCA/),
    );
  });

  it("bad notification targets and metric namespace", () => {
    const found = problems(`version: 1
defaults:
  metricNamespace: AWS/Logs
  notify:
    cloudwatch: { topicArns: [arn:aws:sqs:us-east-1:123456789012:q] }
    datadog: { handles: [pagerduty] }
rules:
  - { name: a, select: { criticality: [High] }, severity: high }
`);
    expect(found).toContainEqual(
      expect.stringMatching(
        /^test\.yaml:5:31: defaults\.notify\.cloudwatch\.topicArns\[0\]: must be an SNS topic ARN/,
      ),
    );
    expect(found).toContainEqual(
      expect.stringMatching(
        /^test\.yaml:6:26: defaults\.notify\.datadog\.handles\[0\]: must be a Datadog @-handle/,
      ),
    );
  });

  it("reports every problem in one pass: bad fields with unknown ids, categories and duplicate names", () => {
    expect(
      problems(
        [
          "version: 1",
          "exclude:",
          "  - { products: [EZMonitor], ids: [999] }",
          "rules:",
          "  - name: a",
          "    select: { products: [EZCA], ids: [4889] }",
          "    severity: urgent",
          "  - name: a",
          "    select: { products: [EZCA], categories: [certificate-transparency] }",
          "    severity: high",
          "    windw: 5m",
          "",
        ].join("\n"),
      ),
    ).toEqual([
      expect.stringMatching(
        /^test\.yaml:3:36: exclude\[0\]\.ids\[0\]: unknown EZMonitor event id 999; known EZMonitor ids: /,
      ),
      expect.stringMatching(/^test\.yaml:6:39: rules\[0\]\.select\.ids\[0\]: unknown EZCA event id 4889/),
      expect.stringMatching(/^test\.yaml:7:15: rules\[0\]\.severity: Invalid option/),
      'test.yaml:8:11: rules[1].name: duplicate rule name "a" (also rules[0])',
      expect.stringMatching(
        /^test\.yaml:9:46: rules\[1\]\.select\.categories\[0\]: category "certificate-transparency" is not in EZCA/,
      ),
      expect.stringMatching(/^test\.yaml:11:5: rules\[1\]\.windw: unknown field "windw"/),
    ]);
  });

  it("reports the namespace after the schema passes", () => {
    expect(
      problems(
        "version: 1\ndefaults: { metricNamespace: AWS/Logs }\nrules:\n  - { name: a, select: { criticality: [High] }, severity: high }\n",
      ),
    ).toEqual([
      'test.yaml:2:30: defaults.metricNamespace: must not start with "AWS/" (reserved for AWS services) (got "AWS/Logs")',
    ]);
  });

  it("YAML syntax errors, wrong version, empty rules, not a mapping", () => {
    expect(problems("version: 1\nrules: [\n  - x")[0]).toMatch(/^test\.yaml:3:\d+: YAML syntax: /);
    expect(
      problems("version: 2\nrules:\n  - { name: a, select: { criticality: [High] }, severity: high }\n")[0],
    ).toMatch(/version: must be 1/);
    expect(problems("version: 1\nrules: []\n")[0]).toMatch(/rules: a policy needs at least one rule/);
    expect(problems("just text")[0]).toMatch(/must be a YAML mapping/);
  });

  it("a missing file is a PolicyError, not a crash", () => {
    expect(() => loadPolicy("policies/does-not-exist.yaml")).toThrow(
      /cannot read the alert policy file: no such file/,
    );
  });
});
