/**
 * Typed stack configuration (namespace `keytos-siem`), validated before any resource exists.
 * A destination is enabled by its key, `keytos-siem:<key>`, a structured value whose schema is
 * the destination's own settings (`pulumi config set --path 'keytos-siem:<key>.<field>' <value>`).
 * Every problem is reported at once, naming the config key: the stack's own fields, each enabled
 * destination's settings and checks, and the policy. Plain values only: the program branches on these.
 */
import path from "node:path";
import { z } from "zod";
import { customerName, isStructural, problemsOf, validateSettings } from "../components/config/settings";
import { strict } from "../components/config/yaml-file";
import type { Destination } from "../components/destination";
import { alertsOf, type CompiledPolicy, readPolicy } from "../components/policy";
import { alertCompilers, DESTINATIONS } from "../components/registry";

export const NAMESPACE = "keytos-siem";

type Registered = (typeof DESTINATIONS)[number];

/** The stack's config: its own fields, and each enabled destination's validated settings by key. */
export type StackConfig = {
  customer: string;
  /** Absolute path of the alert policy. */
  policyFile: string;
} & { [D in Registered as D["key"]]?: z.output<D["settings"]> } & Record<string, unknown>;

export interface ResolvedStack {
  config: StackConfig;
  policy: CompiledPolicy;
  /** Keys of the enabled destinations, in registry order. */
  destinations: string[];
  /** The destinations the config was resolved against (the registry, unless a caller extended it). */
  registry: readonly Destination[];
}

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `invalid stack configuration: ${problems[0]}`
        : `invalid stack configuration:\n  ${problems.join("\n  ")}`,
    );
    this.name = "StackConfigError";
  }
}

const key = (p: readonly PropertyKey[]) => `${NAMESPACE}:${p.map(String).join(".")}`;
const howToSet = (p: readonly PropertyKey[]) => `pulumi config set --path '${key(p)}' <value>`;
const howToFix = (issue: z.core.$ZodIssue) =>
  issue.code === "unrecognized_keys"
    ? `pulumi config rm --path '${key([...issue.path, ...issue.keys.slice(0, 1)])}'`
    : howToSet(issue.path);

function stackSchema(destinations: readonly Destination[]) {
  return strict({
    customer: customerName,
    policyFile: z.string().min(1, { error: "must not be empty" }).optional(),
    // Checked per destination below, so one bad section does not hide another's problems.
    ...Object.fromEntries(destinations.map((d) => [d.key, z.unknown().optional()])),
  });
}

/**
 * Validates raw config (keys without the namespace, values as Pulumi returns them), loads and
 * compiles the policy, and runs each enabled destination's settings and checks. Throws
 * StackConfigError with every problem.
 */
export function resolveStack(
  raw: Record<string, unknown>,
  projectRoot: string,
  destinations: readonly Destination[] = DESTINATIONS,
): ResolvedStack {
  const withDefaults = { customer: "default", ...raw };
  const top = stackSchema(destinations).safeParse(withDefaults);
  const problems = (top.error?.issues ?? []).map((i) => {
    const where = i.path.length > 0 ? key(i.path) : NAMESPACE;
    return `${where}: ${i.message} (${howToFix(i)})`;
  });
  const customer = String(withDefaults.customer);
  const enabled = destinations.filter((d) => raw[d.key] !== undefined);
  if (enabled.length === 0) {
    problems.push(
      `no destination is enabled: set at least one of ${destinations.map((d) => `${NAMESPACE}:${d.key}`).join(", ")} ` +
        `(e.g. pulumi config set --path '${NAMESPACE}:${destinations[0]?.key}.<field>' <value>)`,
    );
  }
  const file =
    typeof raw.policyFile === "string" && raw.policyFile ? raw.policyFile : "policies/default.yaml";
  const policyFile = path.isAbsolute(file) ? file : path.join(projectRoot, file);
  let policy: CompiledPolicy = { rules: [], unalerted: [] };
  try {
    policy = readPolicy(policyFile, alertCompilers(destinations));
  } catch (err) {
    problems.push(`${NAMESPACE}:policyFile ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
  const config: Record<string, unknown> = { customer, policyFile };
  for (const d of enabled) {
    const r = validateSettings(d.settings, raw[d.key], (s, given) =>
      d.check ? d.check(s, { customer, rules: alertsOf(policy), given }) : [],
    );
    if (r.ok) {
      config[d.key] = r.value;
      continue;
    }
    // A missing or unknown field says which command fixes it; a bad value says what is allowed.
    const fix = (i: z.core.$ZodIssue) =>
      isStructural(i) ? ` (${howToFix({ ...i, path: [d.key, ...i.path] } as z.core.$ZodIssue)})` : "";
    problems.push(...problemsOf(r, Object.keys(d.settings.shape), `${NAMESPACE}:${d.key}.`, fix));
  }
  if (problems.length > 0) throw new StackConfigError(problems);
  return {
    config: config as StackConfig,
    policy,
    destinations: enabled.map((d) => d.key),
    registry: destinations,
  };
}

/** Raw config of the namespace from a `config:` map as Pulumi.<stack>.yaml holds it. */
export function namespaceConfig(all: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith(`${NAMESPACE}:`))
      .map(([k, v]) => [k.slice(NAMESPACE.length + 1), v]),
  );
}
