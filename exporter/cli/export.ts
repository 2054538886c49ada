/**
 * `keytos-siem policy export --format sigma --out DIR <policy>`: the compiled policy as Sigma rule
 * files in DIR/rules/, and beside them in DIR/pipelines/ the pySigma pipelines that convert them
 * for each destination (apart, as `sigma check` and `sigma convert` read every .yml under a
 * folder they are given as a rule). Rules from an earlier export that the policy no longer alerts
 * are removed (only files named like the export's own, keytos_*.yml), so DIR/rules/ is always
 * exactly this policy's rules.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AlertCompiler } from "../../components/policy";
import { readPolicy } from "../../components/policy";
import { pipelineYaml, SIGMA_PIPELINES, sigmaDetectionFiles, sigmaRuleFiles } from "../../components/sigma";
import { UsageError } from "./errors";

export const EXPORT_FORMATS = ["sigma"] as const;

export interface ExportOptions {
  format: (typeof EXPORT_FORMATS)[number];
  out: string;
  json?: boolean;
}

export interface ExportSummary {
  policy: string;
  format: "sigma";
  out: string;
  rules: string[];
  pipelines: string[];
  removed: string[];
}

const OWN_RULE = /^keytos_[a-z0-9_-]+\.yml$/;

/** A folder to write into: created if missing; a clear error when it is a file or not writable. */
function prepareFolder(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new UsageError(`--out ${dir} is a file: give a folder (created if missing)`);
  }
  try {
    for (const sub of ["rules", "pipelines"]) mkdirSync(path.join(dir, sub), { recursive: true });
  } catch (err) {
    throw new UsageError(`--out ${dir}: cannot create the folder (${(err as NodeJS.ErrnoException).code})`);
  }
}

function write(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
}

export function runExport(
  file: string,
  opts: ExportOptions,
  alerters: readonly AlertCompiler[],
): ExportSummary {
  const compiled = readPolicy(file, alerters);
  prepareFolder(opts.out);
  const rules = [...sigmaRuleFiles(compiled.rules), ...sigmaDetectionFiles(compiled.detections ?? [])];
  const written = new Set(rules.map((r) => r.file));
  const dir = path.join(opts.out, "rules");
  const removed = readdirSync(dir).filter((f) => OWN_RULE.test(f) && !written.has(f));
  for (const f of removed) rmSync(path.join(dir, f));
  for (const r of rules) write(path.join(dir, r.file), r.yaml);
  for (const p of SIGMA_PIPELINES) write(path.join(opts.out, "pipelines", p.file), pipelineYaml(p));
  return {
    policy: file,
    format: opts.format,
    out: opts.out,
    rules: rules.map((r) => path.join("rules", r.file)),
    pipelines: SIGMA_PIPELINES.map((p) => path.join("pipelines", p.file)),
    removed,
  };
}

/** The human summary: counts, where, and how to convert one rule. */
export function renderExport(s: ExportSummary): string {
  const first = s.rules[0] ?? path.join("rules", "<rule>.yml");
  return [
    `${s.out}: ${s.rules.length} Sigma rules in ${path.join(s.out, "rules")}, ${s.pipelines.length} pySigma pipelines in ${path.join(s.out, "pipelines")}` +
      (s.removed.length ? ` (removed ${s.removed.length} rules the policy no longer alerts)` : ""),
    `check:   sigma check -x attacktag -x d3_fendtag ${path.join(s.out, "rules")}   (the two excluded validators download ATT&CK data)`,
    `convert: sigma convert -t kusto -p ${path.join(s.out, "pipelines", "keytos-sentinel.yml")} ${path.join(s.out, first)}`,
    "",
  ].join("\n");
}
