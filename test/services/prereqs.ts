/**
 * Shared plumbing for the real test services: prerequisite checks with install hints, free
 * loopback ports, readiness polling, child processes that die with their parent or a timeout.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Where downloaded jars and the moto virtualenv live; survives between runs, never committed. */
export const CACHE_DIR = process.env.KEYTOS_SIEM_CACHE ?? path.join(PROJECT_ROOT, ".cache");

export class MissingPrerequisite extends Error {
  constructor(what: string, hint: string) {
    super(`${what}\n  How to fix: ${hint}`);
    this.name = "MissingPrerequisite";
  }
}

/** Maven's JVM writes no /tmp/hsperfdata_<user> (the JVM ignores TMPDIR; the suite leaves nothing in /tmp). */
const env = () => ({ ...process.env, MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ""} -XX:-UsePerfData`.trim() });

/** Runs `cmd args` and returns stdout+stderr, or undefined when the command is not installed. */
function probe(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: env() });
  if (r.error) return undefined;
  return `${r.stdout ?? ""}${r.stderr ?? ""}`;
}

export function requireJava(): void {
  const out = probe("java", ["-XX:-UsePerfData", "-version"]);
  if (out === undefined) {
    throw new MissingPrerequisite(
      "Java is not installed: the Kafka test broker needs Java 17 or newer.",
      "install a JDK 17+ (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) and make sure `java` is on PATH.",
    );
  }
  const major = Number(/version "(\d+)/.exec(out)?.[1] ?? 0);
  if (major < 17) {
    throw new MissingPrerequisite(
      `Java ${major} found; the Kafka 4 test broker needs Java 17 or newer.`,
      "install a JDK 17+.",
    );
  }
}

export function requireMaven(): void {
  if (probe("mvn", ["-v"]) === undefined) {
    throw new MissingPrerequisite(
      "Maven is not installed: it fetches the Apache Kafka broker jars from Maven Central (once, into .cache/).",
      "install Maven 3 (Debian/Ubuntu: apt-get install maven) and make sure `mvn` is on PATH.",
    );
  }
}

export function requireKcat(): void {
  if (probe("kcat", ["-V"]) === undefined) {
    throw new MissingPrerequisite(
      "kcat is not installed: the Kafka tests read the topic back with it, independently of kafkajs.",
      "install it (Debian/Ubuntu: apt-get install kcat).",
    );
  }
}

export function requirePython(): string {
  for (const py of ["python3", "python"]) {
    const out = probe(py, ["-c", "import sys, venv; print(sys.version_info[0], sys.version_info[1])"]);
    if (out === undefined) continue;
    const [major, minor] = out.trim().split(" ").map(Number);
    if (major === 3 && (minor ?? 0) >= 9) return py;
    if (/No module named .?venv/.test(out)) {
      throw new MissingPrerequisite(
        "Python's venv module is missing: moto (the AWS emulator) is installed into a virtualenv.",
        "install it (Debian/Ubuntu: apt-get install python3-venv).",
      );
    }
  }
  throw new MissingPrerequisite(
    "Python 3.9+ is not installed: the AWS emulator (moto) used by the tests runs on Python.",
    "install Python 3 with venv (Debian/Ubuntu: apt-get install python3 python3-venv).",
  );
}

/** A free TCP port on 127.0.0.1 (the OS picks; the tiny race before the service binds is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Polls `check` until it resolves true, or throws after `timeoutMs` with `what` and the log to look at. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  logFile?: string,
) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
  throw new Error(
    `${what} did not become ready within ${timeoutMs / 1000}s${detail}${logFile ? `; see ${logFile}` : ""}`,
  );
}

export interface Spawned {
  child: ChildProcess;
  logFile: string;
  /** Stops the process (TERM, then KILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a long-running service with its output in `logFile`. `detached` services (started by
 * `npm run services start` for CI) outlive this process and are stopped by pid later.
 */
export function spawnService(
  cmd: string,
  args: string[],
  logFile: string,
  opts: { detached?: boolean; env?: NodeJS.ProcessEnv } = {},
): Spawned {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: opts.detached ?? false,
    env: { ...process.env, ...opts.env },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A service owned by this process must not outlive it (e.g. vitest killed mid-run).
  const killOnExit = () => child.kill("SIGKILL");
  if (!opts.detached) process.once("exit", killOnExit);
  return {
    child,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        process.off("exit", killOnExit);
        return;
      }
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      process.off("exit", killOnExit);
    },
  };
}

/** Runs a one-shot command to completion; throws with its output on failure. */
export function runOrThrow(cmd: string, args: string[], what: string, opts: { cwd?: string } = {}): void {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    cwd: opts.cwd ?? PROJECT_ROOT,
    env: env(),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0) {
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-30).join("\n");
    throw new Error(
      `${what} failed (${cmd} ${args.join(" ")}, exit ${r.status ?? r.error?.message}):\n${output}`,
    );
  }
}
