/**
 * The Pulumi program, run with `pulumi up` once per customer environment (one stack each). It
 * reads the `keytos-siem:*` stack config, validates it together with the alert policy and every
 * enabled destination's settings (failing before any resource with every problem, each naming
 * its config key), then creates the destinations (stacks/program.ts, which documents the
 * outputs). Pulumi calls the exported function and takes what it returns as the stack outputs.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { namespaceConfig, resolveStack, StackConfigError } from "./config";
import { defineStack } from "./program";

const root = path.resolve(__dirname, "..");

/** Pulumi hands structured config values over as JSON text. */
const parsed = (value: string): unknown => {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

export = () => {
  const raw = Object.fromEntries(
    Object.entries(namespaceConfig(pulumi.runtime.allConfig())).map(([k, v]) => [k, parsed(String(v))]),
  );
  let stack: ReturnType<typeof resolveStack>;
  try {
    stack = resolveStack(raw, root);
  } catch (err) {
    // Every problem, without a stack trace: the config is wrong, not the program.
    if (err instanceof StackConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  return defineStack(stack, path.relative(root, stack.config.policyFile), (ns) => new pulumi.Config(ns));
};
