/**
 * The suite leaves nothing in the system temp folder. A run writes through os.tmpdir() into one
 * folder of its own (the workers, the processes they start, the services the global setup
 * starts, tsx's cache), removed at the end; what still appears next to it was written to a fixed
 * path, and the run fails listing it.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { TestServices } from "./index";

/** A run's temp folder is keytos-run-<pid>-XXXXXX: its owner is known, whether alive or killed. */
export const RUN_PREFIX = "keytos-run-";
export const runFolderPrefix = (pid = process.pid) => `${RUN_PREFIX}${pid}-`;

const ownerOf = (entry: string) => Number(/^keytos-run-(\d+)-/.exec(entry)?.[1] ?? Number.NaN);

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Folders of other runs: those still running (their entries may be mixed with ours) and dead ones. */
export function otherRuns(entries: Iterable<string>, self = process.pid): { live: string[]; dead: string[] } {
  const others = [...entries].filter((e) => e.startsWith(RUN_PREFIX) && ownerOf(e) !== self);
  return { live: others.filter((e) => alive(ownerOf(e))), dead: others.filter((e) => !alive(ownerOf(e))) };
}

/** Entries of the temp folder now, by name. */
export const tmpEntries = (tmp: string): Set<string> => new Set(readdirSync(tmp));

/** Temp-folder entries of services this run reuses (their state file): they outlive the run. */
export function reusedServiceEntries(stateFile: string | undefined, tmp: string): Set<string> {
  if (!stateFile) return new Set();
  const services = JSON.parse(readFileSync(stateFile, "utf8")) as TestServices;
  return new Set(
    [services.kafka.workDir, services.moto.workDir]
      .filter((dir) => path.dirname(dir) === path.resolve(tmp))
      .map((dir) => path.basename(dir)),
  );
}

/** Entries that appeared during the run, except other runs' folders and `theirs` (reused services...). */
export function leftovers(
  before: ReadonlySet<string>,
  after: ReadonlySet<string>,
  theirs: ReadonlySet<string>,
): string[] {
  return [...after].filter((e) => !before.has(e) && !theirs.has(e) && !e.startsWith(RUN_PREFIX)).sort();
}

/** The line that fails the run. */
export function leftoversMessage(tmp: string, left: readonly string[]): string {
  return (
    `The test run left ${left.length} entr${left.length === 1 ? "y" : "ies"} in ${tmp}: ` +
    `${left.map((e) => path.join(tmp, e)).join(", ")}. Something wrote outside os.tmpdir() ` +
    "(a fixed path, or a process that ignores TMPDIR): make it use os.tmpdir(), then delete these."
  );
}
