/**
 * vitest global setup: the suite's real services. When CI (or a developer) already started them
 * with `npm run services -- start`, the state file named by KEYTOS_TEST_SERVICES is reused;
 * otherwise both are started here for this run and stopped after it.
 */
import { readFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { checkPrerequisites } from "./check";
import { startServices, type TestServices } from "./index";
import { MissingPrerequisite } from "./prereqs";

export default async function setup(project: TestProject) {
  // First, before anything is downloaded or started (`npm test` ran it already as its pretest;
  // this covers `npx vitest`): one message naming every missing program, and stop.
  try {
    checkPrerequisites("test");
  } catch (err) {
    if (!(err instanceof MissingPrerequisite)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
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
