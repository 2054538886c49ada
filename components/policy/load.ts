/**
 * Reads an alert policy file with located errors (see components/config/yaml-file.ts).
 */
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
    return { policy: value, locator };
  });
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
