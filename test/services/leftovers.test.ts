/**
 * The suite leaves nothing in the temp folder: the run's own folder holds what the tests write,
 * and the global setup's teardown fails the run on anything else new.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TestProject } from "vitest/node";
import setup from "./global-setup";
import { leftovers, otherRuns, RUN_PREFIX, reusedServiceEntries } from "./leftovers";

/** Above Linux's highest possible pid (2^22): never a live process. */
const DEAD_PID = 4_194_305;

const saved = { TMPDIR: process.env.TMPDIR, KEYTOS_TEST_SERVICES: process.env.KEYTOS_TEST_SERVICES };
afterEach(() => {
  process.env.TMPDIR = saved.TMPDIR;
  process.env.KEYTOS_TEST_SERVICES = saved.KEYTOS_TEST_SERVICES;
  process.exitCode = 0;
  vi.restoreAllMocks();
});

describe("the suite's temp folder", () => {
  it("this test file writes under the run's own folder, not next to it", () => {
    // temp-dir.ts gives each file a folder inside the run's keytos-run-* folder.
    expect(path.basename(path.dirname(tmpdir()))).toMatch(new RegExp(`^${RUN_PREFIX}`));
  });

  it("leftovers: new entries only, not other runs' folders nor the reused services'", () => {
    const before = new Set(["existing", "keytos-kafka-shared"]);
    const after = new Set(["existing", "keytos-kafka-shared", "keytos-run-other", "keytos-moto-x", "stray"]);
    expect(leftovers(before, after, new Set(["keytos-moto-x"]))).toEqual(["stray"]);
    expect(leftovers(before, before, new Set())).toEqual([]);
  });

  it("other runs' folders: live ones (a parallel run) and dead ones (a killed run)", () => {
    const entries = [
      `keytos-run-${process.ppid}-a`,
      `keytos-run-${DEAD_PID}-b`,
      `keytos-run-${process.pid}-c`,
      "x",
    ];
    expect(otherRuns(entries)).toEqual({
      live: [`keytos-run-${process.ppid}-a`],
      dead: [`keytos-run-${DEAD_PID}-b`],
    });
  });

  it("reused services: their work folders directly in the temp folder, from the state file", () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "fake-tmp-"));
    const state = path.join(tmp, "state.json");
    const services = {
      kafka: { workDir: path.join(tmp, "keytos-kafka-abc") },
      moto: { workDir: "/elsewhere/keytos-moto-def" },
    };
    writeFileSync(state, JSON.stringify(services));
    expect(reusedServiceEntries(state, tmp)).toEqual(new Set(["keytos-kafka-abc"]));
    expect(reusedServiceEntries(undefined, tmp)).toEqual(new Set());
  });

  it("the global setup gives the run a folder, removes it, and fails the run on a stray entry", async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "fake-tmp-"));
    const shared = path.join(tmp, "keytos-kafka-shared");
    const state = path.join(tmp, "state.json");
    writeFileSync(state, JSON.stringify({ kafka: { workDir: shared }, moto: { workDir: shared } }));
    process.env.TMPDIR = tmp;
    process.env.KEYTOS_TEST_SERVICES = state;
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const vitestOwn = path.join(tmp, "vitestOwnNanoid");
    const project = { provide: vi.fn(), tmpDir: vitestOwn } as unknown as TestProject;

    const clean = await setup(project);
    const runDir = process.env.TMPDIR as string;
    expect(path.dirname(runDir)).toBe(tmp);
    writeFileSync(path.join(runDir, "spool.db"), "inside the run's folder: removed with it");
    mkdirSync(shared); // a reused service's folder appearing during the run is not a leftover
    mkdirSync(vitestOwn); // nor vitest's own, which it removes after the teardown
    await clean?.();
    expect(existsSync(runDir)).toBe(false);
    expect(process.env.TMPDIR).toBe(tmp);
    expect(process.exitCode ?? 0).toBe(0);
    expect(stderr).not.toHaveBeenCalled();

    const again = await setup(project);
    writeFileSync(path.join(tmp, "hsperfdata_test"), "written to a fixed path");
    await again?.();
    expect(process.exitCode).toBe(1);
    expect(String(stderr.mock.calls[0]?.[0])).toContain(
      `left 1 entry in ${tmp}: ${path.join(tmp, "hsperfdata_test")}`,
    );
    expect(readdirSync(tmp).sort()).toEqual([
      "hsperfdata_test",
      "keytos-kafka-shared",
      "state.json",
      "vitestOwnNanoid",
    ]);
  });

  it("a killed run's folder is removed; with a parallel run, leftovers are a warning, not a failure", async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "fake-tmp-"));
    mkdirSync(path.join(tmp, `keytos-run-${DEAD_PID}-killed`));
    mkdirSync(path.join(tmp, `keytos-run-${process.ppid}-parallel`));
    process.env.TMPDIR = tmp;
    delete process.env.KEYTOS_TEST_SERVICES;
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    process.env.KEYTOS_TEST_SERVICES = path.join(tmp, "state.json");
    writeFileSync(
      process.env.KEYTOS_TEST_SERVICES,
      JSON.stringify({ kafka: { workDir: "/x" }, moto: { workDir: "/y" } }),
    );

    const clean = await setup({ provide: vi.fn(), tmpDir: "/elsewhere" } as unknown as TestProject);
    expect(existsSync(path.join(tmp, `keytos-run-${DEAD_PID}-killed`))).toBe(false);
    writeFileSync(path.join(tmp, "written-by-someone"), "");
    await clean?.();
    expect(process.exitCode ?? 0).toBe(0);
    expect(String(stderr.mock.calls[0]?.[0])).toMatch(
      new RegExp(
        `^\\nwarning: The test run left 1 entry .*not failing: keytos-run-${process.ppid}-parallel ran at the same time`,
      ),
    );
  });
});
