/**
 * The Pulumi program, run with `pulumi up` once per customer environment (one stack each). It
 * reads the `keytos-siem:*` stack config, validates it together with the alert policy and every
 * enabled destination's settings (failing before any resource with every problem, each naming
 * its config key), then creates the destinations (stacks/program.ts, which documents the outputs).
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { namespaceConfig, resolveStack } from "./config";
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
const raw = Object.fromEntries(
  Object.entries(namespaceConfig(pulumi.runtime.allConfig())).map(([k, v]) => [k, parsed(String(v))]),
);
const stack = resolveStack(raw, root);
const datadogConfig = new pulumi.Config("datadog");
const outputs = defineStack(stack, path.relative(root, stack.config.policyFile), {
  awsProfile: new pulumi.Config("aws").get("profile"),
  datadogApiKey: datadogConfig.getSecret("apiKey"),
  datadogAppKey: datadogConfig.getSecret("appKey"),
});

export const customer = outputs.customer;
export const policyFile = outputs.policyFile;
export const alertRules = outputs.alertRules;
export const cloudwatch = outputs.cloudwatch;
export const cloudwatchApiKey = outputs.cloudwatchApiKey;
export const datadog = outputs.datadog;
export const datadogApiKey = outputs.datadogApiKey;
export const azure = outputs.azure;
export const kafka = outputs.kafka;
