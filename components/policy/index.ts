/**
 * Alert policy: schema, loading with located errors, and the compiler. No Pulumi import.
 */
import { type CompiledPolicy, compilePolicy, PolicySemanticError } from "./compile";
import { PolicyError, parsePolicy, readPolicyFile } from "./load";

export * from "./compile";
export * from "./duration";
export * from "./load";
export * from "./schema";

function compileLocated(parsed: ReturnType<typeof parsePolicy>, file: string): CompiledPolicy {
  try {
    return compilePolicy(parsed.policy);
  } catch (err) {
    if (err instanceof PolicySemanticError) {
      throw new PolicyError(
        file,
        err.issues.map((i) => parsed.locator.locate(i)),
      );
    }
    throw err;
  }
}

/** Reads, validates and compiles a policy file. Throws PolicyError naming file, line, field and fix. */
export function loadPolicy(file: string): CompiledPolicy {
  return compileLocated(readPolicyFile(file), file);
}

/** Same as loadPolicy, from text (file is used in messages only). */
export function compilePolicyText(text: string, file = "<policy>"): CompiledPolicy {
  return compileLocated(parsePolicy(text, file), file);
}
