/**
 * vitest global setup: the suite's real services. When CI (or a developer) already started them
 * with `npm run services -- start`, the state file named by KEYTOS_TEST_SERVICES is reused;
 * otherwise both are started here for this run and stopped after it.
 */
import { readFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { startServices, type TestServices } from "./index";

export default async function setup(project: TestProject) {
  const stateFile = process.env.KEYTOS_TEST_SERVICES;
  if (stateFile) {
    const services = JSON.parse(readFileSync(stateFile, "utf8")) as TestServices;
    project.provide("services", services);
    return;
  }
  const { services, stop } = await startServices();
  project.provide("services", services);
  return stop;
}
