/**
 * vitest global setup: the suite's real services, and its temp folder. When CI (or a developer)
 * already started the services with `npm run services -- start`, the state file named by
 * KEYTOS_TEST_SERVICES is reused; otherwise both are started here for this run and stopped after
 * it. Everything the run writes through os.tmpdir() goes into one folder (the workers and what
 * they spawn inherit TMPDIR), removed at the end; anything else new in the temp folder fails the
 * run (test/services/leftovers.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { checkPrerequisites } from "./check";
import { startServices, type TestServices } from "./index";
import {
  leftovers,
  leftoversMessage,
  otherRuns,
  reusedServiceEntries,
  runFolderPrefix,
  tmpEntries,
} from "./leftovers";
import { MissingPrerequisite } from "./prereqs";
import { installSigma } from "./sigma";

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
  // The Sigma toolchain (PyPI, once into .cache/; `npm run services -- install` in CI did it already).
  installSigma();
  const tmp = tmpdir();
  // A run killed outright (SIGKILL, power) could not remove its folder: the next one does.
  for (const dead of otherRuns(tmpEntries(tmp)).dead)
    rmSync(path.join(tmp, dead), { recursive: true, force: true });
  const before = tmpEntries(tmp);
  const runDir = mkdtempSync(path.join(tmp, runFolderPrefix()));
  process.env.TMPDIR = runDir;
  const stateFile = process.env.KEYTOS_TEST_SERVICES;
  let stop: (() => Promise<void>) | undefined;
  try {
    if (stateFile) {
      project.provide("services", JSON.parse(readFileSync(stateFile, "utf8")) as TestServices);
    } else {
      const started = await startServices();
      stop = started.stop;
      project.provide("services", started.services);
    }
  } catch (err) {
    process.env.TMPDIR = tmp;
    rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    await stop?.();
    process.env.TMPDIR = tmp;
    rmSync(runDir, { recursive: true, force: true });
    const after = tmpEntries(tmp);
    // vitest's own folder (module copies for the workers) goes when the project closes, after this.
    const theirs = new Set([...reusedServiceEntries(stateFile, tmp), path.basename(project.tmpDir)]);
    const left = leftovers(before, after, theirs);
    if (left.length === 0) return;
    // Another run at the same time writes to the same folder: its entries cannot be told from ours.
    const parallel = otherRuns(new Set([...before, ...after])).live;
    if (parallel.length > 0) {
      process.stderr.write(
        `\nwarning: ${leftoversMessage(tmp, left)} (not failing: ${parallel.join(", ")} ran at the same time)\n`,
      );
      return;
    }
    // vitest only logs a teardown error; the run must fail.
    process.exitCode = 1;
    process.stderr.write(`\n${leftoversMessage(tmp, left)}\n`);
  };
}
