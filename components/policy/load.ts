/**
 * Reads an alert policy file with located errors (see components/config/yaml-file.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { FileError, type LocatedIssue, parseYaml, readTextFile, type YamlLocator } from "../config/yaml-file";
import type { AlertCompiler } from "./alerts";
import { standaloneIssues } from "./compile";
import { type PolicyFile, policySchema } from "./schema";

export {
  type FileIssue as PolicyIssue,
  formatPath,
  type IssuePath,
  type LocatedIssue,
  YamlLocator as PolicyLocator,
} from "../config/yaml-file";

/** A policy file with problems; the message lists each as file:line:column: field: problem. */
export class PolicyError extends FileError {
  constructor(file: string, issues: LocatedIssue[]) {
    super("alert policy", file, issues);
    this.name = "PolicyError";
  }
}

function asPolicyError<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof FileError && !(err instanceof PolicyError))
      throw new PolicyError(err.file, err.issues);
    throw err;
  }
}

// One schema per set of compilers (plans build many stacks from the same registry).
const schemas = new WeakMap<readonly AlertCompiler[], ReturnType<typeof policySchema>>();

/** Parses and validates policy text. Throws PolicyError; returns the typed policy and a locator. */
export function parsePolicy(
  text: string,
  file: string,
  alerters: readonly AlertCompiler[],
): { policy: PolicyFile; locator: YamlLocator } {
  let schema = schemas.get(alerters);
  if (!schema) {
    schema = policySchema(alerters);
    schemas.set(alerters, schema);
  }
  const parsing = schema;
  return asPolicyError(() => {
    const { value, locator } = parseYaml(parsing, text, file, "alert policy", (raw) => standaloneIssues(raw));
    const problems = resolveSigmaFiles(value, file);
    if (problems.length > 0)
      throw new PolicyError(
        file,
        problems.map((p) => locator.locate(p)),
      );
    return { policy: value, locator };
  });
}

/**
 * `detections: - sigma: rule.yml`: the Sigma rule file's detection (and description) become the
 * detection's, read relative to the policy file. Its log source must be Keytos's (product keytos).
 */
function resolveSigmaFiles(policy: PolicyFile, file: string) {
  const problems: { path: (string | number)[]; message: string }[] = [];
  policy.detections?.forEach((d, k) => {
    if (!d.sigma) return;
    const at = ["detections", k, "sigma"];
    let rule: {
      detection?: unknown;
      description?: unknown;
      title?: unknown;
      logsource?: { product?: unknown };
    };
    try {
      rule = parse(readFileSync(path.resolve(path.dirname(file), d.sigma), "utf8")) ?? {};
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message.split("\n")[0];
      problems.push({ path: at, message: `cannot read the Sigma rule ${d.sigma} (${why})` });
      return;
    }
    if (rule.logsource?.product !== "keytos") {
      problems.push({
        path: at,
        message: `${d.sigma}: logsource.product must be keytos (the envelope's fields)`,
      });
    } else if (typeof rule.detection !== "object" || rule.detection === null) {
      problems.push({ path: at, message: `${d.sigma} has no detection: block` });
    } else {
      d.detection = rule.detection as Record<string, unknown>;
      const words = rule.description ?? rule.title;
      if (d.description === undefined && typeof words === "string") d.description = words;
    }
  });
  return problems;
}

export function readPolicyFile(
  file: string,
  alerters: readonly AlertCompiler[],
): { policy: PolicyFile; locator: YamlLocator } {
  return parsePolicy(
    asPolicyError(() => readTextFile(file, "alert policy")),
    file,
    alerters,
  );
}
