/**
 * Smoke reports: JSON for scripts, JUnit XML for CI dashboards (the CLI renders the table). A check that
 * sent but could not verify is its own status everywhere (JUnit: skipped with the reason), never a pass.
 */
import { create } from "xmlbuilder2";
import type { SmokeResult, SmokeStatus } from "./result";

export interface SmokeReport {
  stack: string;
  startedAt: string;
  durationMs: number;
  /** True only when every check passed. */
  passed: boolean;
  counts: Record<SmokeStatus, number>;
  results: SmokeResult[];
}

export function smokeReport(stack: string, startedAt: Date, results: SmokeResult[]): SmokeReport {
  const counts: Record<SmokeStatus, number> = { pass: 0, fail: 0, "sent-not-verified": 0 };
  for (const r of results) counts[r.result]++;
  return {
    stack,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    passed: results.length > 0 && counts.pass === results.length,
    counts,
    results,
  };
}

/** JUnit XML: one testsuite per destination, one testcase per check. */
export function junitXml(report: SmokeReport): string {
  const root = create({ version: "1.0", encoding: "UTF-8" }).ele("testsuites", {
    name: `keytos-siem smoke ${report.stack}`,
    tests: report.results.length,
    failures: report.counts.fail,
    skipped: report.counts["sent-not-verified"],
    time: (report.durationMs / 1000).toFixed(3),
  });
  const destinations = [...new Set(report.results.map((r) => r.destination))];
  for (const d of destinations) {
    const results = report.results.filter((r) => r.destination === d);
    const suite = root.ele("testsuite", {
      name: d,
      tests: results.length,
      failures: results.filter((r) => r.result === "fail").length,
      skipped: results.filter((r) => r.result === "sent-not-verified").length,
      time: (results.reduce((n, r) => n + r.durationMs, 0) / 1000).toFixed(3),
      timestamp: report.startedAt,
    });
    for (const r of results) {
      const c = suite.ele("testcase", {
        classname: `keytos-siem.smoke.${d}`,
        name: r.check,
        time: (r.durationMs / 1000).toFixed(3),
      });
      if (r.result === "fail") c.ele("failure", { message: r.detail }).txt(r.detail);
      else if (r.result === "sent-not-verified")
        c.ele("skipped", { message: `sent, not verified: ${r.detail}` });
      else c.ele("system-out").txt(r.detail);
    }
  }
  return root.end({ prettyPrint: true });
}
