/**
 * Alert policy: schema, loading with located errors, and the compiler, for the alert compilers a
 * caller gives (components/registry.ts binds them to the registered destinations). No Pulumi import.
 */
import type { AlertCompiler } from "./alerts";
import { type CompiledPolicy, compilePolicy, PolicySemanticError } from "./compile";
import { PolicyError, parsePolicy, readPolicyFile } from "./load";

export * from "./alerts";
export * from "./compile";
export * from "./detection";
export * from "./detections";
export * from "./duration";
export * from "./load";
export * from "./schema";
export * from "./silent";

function compileLocated(
  parsed: ReturnType<typeof parsePolicy>,
  file: string,
  alerters: readonly AlertCompiler[],
): CompiledPolicy {
  try {
    return compilePolicy(parsed.policy, alerters);
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
export function readPolicy(file: string, alerters: readonly AlertCompiler[]): CompiledPolicy {
  return compileLocated(readPolicyFile(file, alerters), file, alerters);
}

/** Same as readPolicy, from text (file is used in messages only). */
export function compilePolicySource(
  text: string,
  file: string,
  alerters: readonly AlertCompiler[],
): CompiledPolicy {
  return compileLocated(parsePolicy(text, file, alerters), file, alerters);
}
export * from "./witness";
