/**
 * vitest setup: every test file gets its own temporary folder as TMPDIR (os.tmpdir() and the
 * processes it spawns use it), removed when the file's tests end, so no test leaves files in /tmp.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

const dir = mkdtempSync(path.join(tmpdir(), "keytos-test-"));
process.env.TMPDIR = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
