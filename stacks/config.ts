/**
 * Typed stack configuration (namespace `keytos-siem`). Plain values only: the program branches on
 * these, never on Outputs. Destination settings arrive with the destination components.
 */
import path from "node:path";

export interface StackConfig {
  /** Customer this stack provisions for; used in names and tags. */
  customer: string;
  /** Alert policy file, resolved against the project root when relative. */
  policyFile: string;
}

/** Reads and validates stack config; `get` is `pulumi.Config#get` (or a plain map in tests). */
export function readStackConfig(get: (key: string) => string | undefined, projectRoot: string): StackConfig {
  const customer = get("customer") ?? "default";
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(customer)) {
    throw new Error(
      `keytos-siem:customer is "${customer}": use 1-40 lower-case letters, digits and dashes ` +
        "(pulumi config set keytos-siem:customer contoso)",
    );
  }
  const file = get("policyFile") ?? "policies/default.yaml";
  return { customer, policyFile: path.isAbsolute(file) ? file : path.join(projectRoot, file) };
}
