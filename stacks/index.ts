/**
 * The Pulumi program, run with `pulumi up` once per customer environment (one stack each).
 * It reads the stack config, compiles the alert policy (failing the update with the policy's
 * located errors if it is invalid) and exports the compiled alert matrix. Destination
 * components (CloudWatch, Datadog, Sentinel, Kafka) are added here as they land.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadPolicy } from "../components/policy";
import { readStackConfig } from "./config";

const config = new pulumi.Config("keytos-siem");
const settings = readStackConfig((key) => config.get(key), path.resolve(__dirname, ".."));
const compiled = loadPolicy(settings.policyFile);

export const customer = settings.customer;
export const policyFile = path.relative(path.resolve(__dirname, ".."), settings.policyFile);
/** One entry per alerted event: key, severity, window and the destinations that alert on it. */
export const alertRules = compiled.rules.map((r) => ({
  key: r.key,
  severity: r.severity,
  window: r.window,
  threshold: r.threshold,
  destinations: Object.keys(r.destinations).sort(),
}));
