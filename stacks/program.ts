/**
 * The stack's resources for one resolved configuration: each enabled destination deploys its
 * providers and component, and the outputs follow the contract (stacks/outputs.ts; what
 * `pulumi stack output --json --show-secrets` prints and `keytos-siem smoke --outputs` reads):
 *   customer, policyFile, alertRules[]   always
 *   <key> { ... }                        each enabled destination's outputs
 *   <key><Name>                          its secrets (e.g. cloudwatchApiKey), Pulumi secrets
 * Shared by the Pulumi entry point (stacks/index.ts) and `keytos-siem plan`, which runs it under
 * Pulumi's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { type DeployContext, secretOutputName } from "../components/destination";
import { alertsOf } from "../components/policy/compile";
import type { ResolvedStack } from "./config";
import type { AlertRuleOutput } from "./outputs";

export interface StackOutputs {
  customer: string;
  policyFile: string;
  alertRules: AlertRuleOutput[];
  /** Each destination's outputs and secrets, by output name. */
  [output: string]: unknown;
}

export function defineStack(
  stack: ResolvedStack,
  projectRelativePolicy: string,
  config: DeployContext["config"],
  planOnly = false,
): StackOutputs {
  const { config: c, policy } = stack;
  const alerts = alertsOf(policy);
  const out: StackOutputs = {
    customer: c.customer,
    policyFile: projectRelativePolicy,
    alertRules: alerts.map((r) => ({
      key: r.key,
      name: r.name,
      severity: r.severity,
      window: r.window,
      threshold: r.threshold,
      destinations: Object.keys(r.destinations).sort(),
    })),
  };
  const ctx: DeployContext = { customer: c.customer, rules: alerts, config, planOnly };
  for (const d of stack.registry) {
    const settings = c[d.key];
    if (settings === undefined) continue;
    const deployed = d.deploy(settings as never, ctx);
    out[d.key] = deployed.outputs;
    for (const [name, value] of Object.entries(deployed.secrets ?? {})) {
      if (value) out[secretOutputName(d.key, name)] = pulumi.secret(value);
    }
  }
  return out;
}
