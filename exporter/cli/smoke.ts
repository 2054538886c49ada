/**
 * `keytos-siem smoke --outputs FILE|-`: reads `pulumi stack output --json --show-secrets`, runs
 * every enabled destination's post-deploy smoke check, prints a table (or JSON), writes a JSON
 * report and optionally JUnit XML. Exit 0 only when every check passed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadPolicy } from "../../components/policy";
import { type StackOutputValues, stackOutputsSchema } from "../../stacks/outputs";
import { type SmokeDestination, smokeFromOutputs } from "../smoke/from-outputs";
import { junitXml, renderSmokeTable, smokeReport } from "../smoke/report";
import type { SmokeResult } from "../smoke/result";
import { projectRoot, UsageError } from "./plan";

export interface SmokeOptions {
  outputs: string;
  policy?: string;
  report?: string;
  junit?: string;
  json?: boolean;
  destination?: SmokeDestination[];
  patience?: string;
}

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

const HOW = "produce it with: pulumi stack output --json --show-secrets > outputs.json";

/** Reads and validates the outputs JSON; every problem is a UsageError saying how to fix it. */
export function readOutputs(source: string, text: string): StackOutputValues {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${source} is not JSON; ${HOW}`);
  }
  const hidden = ["cloudwatchApiKey", "datadogApiKey"].filter(
    (k) => (json as Record<string, unknown>)?.[k] === "[secret]",
  );
  if (hidden.length > 0) {
    throw new UsageError(
      `${source} has ${hidden.join(", ")} as "[secret]": the outputs were exported without --show-secrets; ${HOW}`,
    );
  }
  const parsed = stackOutputsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw new UsageError(`${source} is not keytos-siem stack outputs (${problems.join("; ")}); ${HOW}`);
  }
  return parsed.data;
}

/** The deployed alert rules must be the ones checked here: a changed policy is a failed check. */
function policyCheck(outputs: StackOutputValues, keys: string[], file: string): SmokeResult {
  const deployed = outputs.alertRules.map((r) => r.key).sort();
  const local = [...keys].sort();
  const missing = deployed.filter((k) => !local.includes(k));
  const extra = local.filter((k) => !deployed.includes(k));
  const same = missing.length === 0 && extra.length === 0;
  return {
    destination: "stack",
    check: "policy matches the deployed stack",
    result: same ? "pass" : "fail",
    durationMs: 0,
    detail: same
      ? `${file}: the same ${local.length} alerted events as the stack's alertRules`
      : `${file} differs from the deployed stack (run pulumi up first): ${missing.length ? `deployed only: ${missing.join(", ")}` : ""}${extra.length ? ` local only: ${extra.join(", ")}` : ""}`.trim(),
  };
}

export async function runSmoke(opts: SmokeOptions, out: Out, env = process.env): Promise<number> {
  const source = opts.outputs === "-" ? "standard input" : opts.outputs;
  const outputs = readOutputs(source, readFileSync(opts.outputs === "-" ? 0 : opts.outputs, "utf8"));
  const root = projectRoot();
  const policyFile = opts.policy ?? path.resolve(root, outputs.policyFile);
  const rules = loadPolicy(policyFile).rules;
  const patienceS = opts.patience !== undefined ? Number(opts.patience) : undefined;
  if (patienceS !== undefined && (!Number.isFinite(patienceS) || patienceS <= 0)) {
    throw new UsageError(`--patience ${opts.patience} must be a positive number of seconds`);
  }

  const started = new Date();
  const results: SmokeResult[] = [
    policyCheck(
      outputs,
      rules.map((r) => r.key),
      path.relative(root, policyFile),
    ),
  ];
  results.push(
    ...(await smokeFromOutputs(outputs, {
      rules,
      env,
      ...(opts.destination ? { only: opts.destination } : {}),
      ...(patienceS !== undefined ? { patienceMs: patienceS * 1000 } : {}),
      onProgress: (m) => out.stderr(`  ${m}\n`),
      onDestination: (d) => out.stderr(`smoke: checking ${d}...\n`),
    })),
  );
  const report = smokeReport(outputs.customer, started, results);
  const reportFile = opts.report ?? "smoke-report.json";
  writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.junit) writeFileSync(opts.junit, junitXml(report));
  out.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderSmokeTable(report));
  out.stderr(`smoke: report written to ${reportFile}${opts.junit ? ` and ${opts.junit}` : ""}\n`);
  return report.passed ? 0 : 1;
}
