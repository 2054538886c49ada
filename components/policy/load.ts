/**
 * Reads an alert policy file with located errors (see components/config/yaml-file.ts).
 */
import { FileError, type LocatedIssue, parseYaml, readTextFile, type YamlLocator } from "../config/yaml-file";
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

/** Parses and validates policy text. Throws PolicyError; returns the typed policy and a locator. */
export function parsePolicy(text: string, file: string): { policy: PolicyFile; locator: YamlLocator } {
  return asPolicyError(() => {
    const { value, locator } = parseYaml(policySchema, text, file, "alert policy");
    return { policy: value, locator };
  });
}

export function readPolicyFile(file: string): { policy: PolicyFile; locator: YamlLocator } {
  return parsePolicy(
    asPolicyError(() => readTextFile(file, "policy")),
    file,
  );
}
