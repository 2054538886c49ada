/**
 * A machine without Java, Maven, Python's venv, kcat or openssl gets one message naming all that
 * is missing and the apt-get line that installs it, before anything is downloaded or started.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkPrerequisites } from "./check";
import {
  JAVA,
  KCAT,
  MAVEN,
  MissingPrerequisite,
  OPENSSL,
  PYTHON,
  PYTHON_VENV,
  pythonCommand,
  requirePrerequisites,
} from "./prereqs";

const ROOT = path.resolve(__dirname, "..", "..");
const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

/** A PATH folder holding only these programs (symlinks to the real ones). */
function pathWith(...programs: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-path-"));
  for (const p of programs) {
    const found = spawnSync("sh", ["-c", `command -v ${p}`], { encoding: "utf8" }).stdout.trim();
    symlinkSync(p === "node" ? process.execPath : found, path.join(dir, p));
  }
  return dir;
}

const ALL = [JAVA, MAVEN, PYTHON, PYTHON_VENV, KCAT, OPENSSL];

describe("prerequisite check", () => {
  it("passes on this machine", () => {
    expect(() => requirePrerequisites("npm test", ALL)).not.toThrow();
    expect(pythonCommand()).toMatch(/python/);
  });

  it("names every missing one in one message with one apt-get line", () => {
    process.env.PATH = pathWith("node");
    let error: unknown;
    try {
      requirePrerequisites("npm test", ALL);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MissingPrerequisite);
    expect((error as Error).message).toBe(
      [
        "npm test needs what this machine lacks:",
        "  - Java 17+ (`java` is not on PATH): runs the Kafka test broker",
        "  - Maven (`mvn` is not on PATH): fetches the Kafka broker jars from Maven Central (once, into .cache/)",
        "  - Python 3.9+ (no `python3` of 3.9 or newer on PATH): runs moto (the AWS emulator) and the Sigma toolchain",
        "  - Python's venv (the venv module is missing): moto and the Sigma toolchain are installed into virtualenvs (once, into .cache/)",
        "  - kcat (`kcat` is not on PATH): the Kafka tests read topics back with it, independently of kafkajs",
        "  - openssl (`openssl` is not on PATH): makes the HTTPS test servers' throw-away certificate",
        "Install (Debian/Ubuntu): sudo apt-get install openjdk-17-jre-headless maven python3 python3-venv kcat openssl",
      ].join("\n"),
    );
  });

  it("with the services already running, the tests need only kcat and openssl", () => {
    process.env.PATH = pathWith("node", "kcat", "openssl");
    expect(() => checkPrerequisites("test", { KEYTOS_TEST_SERVICES: "/state.json" })).not.toThrow();
    expect(() => checkPrerequisites("test", {})).toThrow(/Java 17\+[\s\S]*Python 3\.9\+/);
    expect(() => checkPrerequisites("services", {})).toThrow(
      /^npm run services needs what this machine lacks/,
    );
  });

  it("with the services running but no Sigma toolchain in the cache, the tests need Python's venv", () => {
    const cache = mkdtempSync(path.join(tmpdir(), "keytos-cache-"));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: pathWith("node", "kcat", "openssl"),
      KEYTOS_SIEM_CACHE: cache,
      KEYTOS_TEST_SERVICES: "/state.json",
    };
    const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), "test/services/check.ts"], {
      cwd: ROOT,
      env,
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^npm test needs what this machine lacks:\n {2}- Python 3\.9\+ .*\n {2}- Python's venv .*Sigma toolchain.*\nInstall \(Debian\/Ubuntu\): sudo apt-get install python3 python3-venv\n$/,
    );
  });

  it("the librdkafka engine not loading is named, with the packages that build it and the npm step", () => {
    const options = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `--require ${path.join(ROOT, "test", "fixtures", "no-librdkafka", "hide.cjs")}`;
    try {
      expect(() => checkPrerequisites("test", { KEYTOS_TEST_SERVICES: "/state.json" })).toThrow(
        /^npm test needs what this machine lacks:\n {2}- the librdkafka Kafka engine \(@confluentinc\/kafka-javascript does not load\): .*then run CKJS_LINKING=dynamic npm install\nInstall \(Debian\/Ubuntu\): sudo apt-get install build-essential python3 libzstd-dev libsasl2-dev libcurl4-openssl-dev liblz4-dev$/,
      );
    } finally {
      if (options === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = options;
    }
  });

  it("npm test runs it first: one message, exit 1, fast, nothing downloaded", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.pretest).toBe("tsx test/services/check.ts");
    const cache = mkdtempSync(path.join(tmpdir(), "keytos-cache-"));
    mkdirSync(path.join(cache, "untouched"));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWith("node"), KEYTOS_SIEM_CACHE: cache };
    delete env.KEYTOS_TEST_SERVICES;
    const started = Date.now();
    // What `npm run pretest` runs (npm puts node_modules/.bin on PATH; here the tsx CLI itself).
    const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), "test/services/check.ts"], {
      cwd: ROOT,
      env,
      encoding: "utf8",
    });
    const seconds = (Date.now() - started) / 1000;
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^npm test needs what this machine lacks:\n( {2}- .+\n){6}Install \(Debian\/Ubuntu\): sudo apt-get install openjdk-17-jre-headless maven python3 python3-venv kcat openssl\n$/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(seconds).toBeLessThan(15); // a check, not a download (moto alone is 317 MB)
    expect(readdirSync(cache)).toEqual(["untouched"]);
  });
});
