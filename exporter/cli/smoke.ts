/**
 * `keytos-siem smoke --outputs FILE|-`: reads `pulumi stack output --json --show-secrets`, runs
 * the post-deploy smoke check of every destination the outputs enable (each sink's own, from its
 * outputs and secret outputs; verification credentials from the environment), prints a table (or
 * JSON), writes a JSON report and optionally JUnit XML. Exit 0 only when every check passed.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readTextFile, unreadable } from "../../components/config/yaml-file";
import { type Destination, secretOutputName } from "../../components/destination";
import { alertsOf, readPolicy } from "../../components/policy";
import { alertCompilers } from "../../components/registry";
import { outputsSchemaFor, type StackOutputValues, secretOutputNames } from "../../stacks/outputs";
import type { SinkSpec, SmokeContext } from "../sinks/spec";
import { junitXml, smokeReport } from "../smoke/report";
import type { SmokeResult } from "../smoke/result";
import { UsageError } from "./errors";
import { projectRoot } from "./plan";
import { renderSmokeTable } from "./render";
import { layoutFor } from "./table";

export interface SmokeOptions {
  outputs: string;
  policy?: string;
  report?: string;
  junit?: string;
  json?: boolean;
  wide?: boolean;
  destination?: string[];
  patience?: string;
}

export interface Registries {
  sinks: readonly SinkSpec[];
  destinations: readonly Destination[];
}

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

const HOW = "produce it with: pulumi stack output --json --show-secrets > outputs.json";

/** Reads and validates the outputs JSON; every problem is a UsageError saying how to fix it. */
export function readOutputs(
  source: string,
  text: string,
  destinations: readonly Destination[],
): StackOutputValues {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const why = (err as Error).message.replace(/\s+/g, " "); // it quotes the text, newlines too
    throw new UsageError(`${source} is not JSON (${why}); ${HOW}`);
  }
  const hidden = secretOutputNames(destinations).filter(
    (k) => (json as Record<string, unknown>)?.[k] === "[secret]",
  );
  if (hidden.length > 0) {
    throw new UsageError(
      `${source} has ${hidden.join(", ")} as "[secret]": the outputs were exported without --show-secrets; ${HOW}`,
    );
  }
  const parsed = outputsSchemaFor(destinations).safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw new UsageError(`${source} is not keytos-siem stack outputs (${problems.join("; ")}); ${HOW}`);
  }
  return parsed.data as StackOutputValues;
}

/** A file `option` can write: its folder exists and it is not a folder itself. */
function writable(option: string, file: string): void {
  const folder = path.dirname(path.resolve(file));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UsageError(
      `${option} ${file}: the folder ${folder} does not exist; create it or give another path`,
    );
  }
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new UsageError(`${option} ${file} is a folder; give a file path`);
  }
}

function write(option: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`${option} ${file}: cannot write it: ${unreadable(err)}`);
  }
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
      ? `${file}: the same ${local.length} alerts (events and detections) as the stack's alertRules`
      : `${file} differs from the deployed stack (run pulumi up first): ${missing.length ? `deployed only: ${missing.join(", ")}` : ""}${extra.length ? ` local only: ${extra.join(", ")}` : ""}`.trim(),
  };
}

/** Each smoke check of a destination the outputs enable, in registry order; secrets by name ("apiKey"). */
async function smokeChecks(
  outputs: Record<string, unknown>,
  opts: SmokeOptions,
  ctx: SmokeContext,
  { sinks, destinations }: Registries,
  out: Out,
): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const spec of sinks) {
    if (!spec.smoke || outputs[spec.key] === undefined) continue;
    if (opts.destination && !opts.destination.includes(spec.key)) continue;
    const d = destinations.find((x) => x.key === spec.key);
    const secrets = Object.fromEntries(
      (d?.secrets ?? []).flatMap((s) => {
        const value = outputs[secretOutputName(spec.key, s)];
        return typeof value === "string" ? [[s, value]] : [];
      }),
    );
    out.stderr(`smoke: checking ${spec.key}...\n`);
    results.push(...(await spec.smoke(outputs[spec.key] as never, secrets, ctx)));
  }
  return results;
}

export async function runSmoke(
  opts: SmokeOptions,
  out: Out,
  registries: Registries,
  env = process.env,
): Promise<number> {
  const source = opts.outputs === "-" ? "standard input" : opts.outputs;
  const text =
    opts.outputs === "-" ? readFileSync(0, "utf8") : readTextFile(opts.outputs, "stack outputs", HOW);
  const outputs = readOutputs(source, text, registries.destinations);
  const reportFile = opts.report ?? "smoke-report.json";
  // Found before the checks run, not after: a report that cannot be written loses the run.
  for (const [option, file] of [
    ["--report", reportFile],
    ["--junit", opts.junit],
  ] as const) {
    if (file !== undefined) writable(option, file);
  }
  const root = projectRoot();
  const policyFile = opts.policy ?? path.resolve(root, outputs.policyFile);
  const rules = alertsOf(readPolicy(policyFile, alertCompilers(registries.destinations)));
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
  const ctx = {
    rules,
    env,
    ...(patienceS !== undefined ? { patienceMs: patienceS * 1000 } : {}),
    onProgress: (m: string) => out.stderr(`  ${m}\n`),
  };
  results.push(...(await smokeChecks(outputs, opts, ctx, registries, out)));
  const report = smokeReport(outputs.customer, started, results);
  write("--report", reportFile, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.junit) write("--junit", opts.junit, junitXml(report));
  out.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderSmokeTable(report, layoutFor(opts)));
  out.stderr(`smoke: report written to ${reportFile}${opts.junit ? ` and ${opts.junit}` : ""}\n`);
  return report.passed ? 0 : 1;
}
