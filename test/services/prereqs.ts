/**
 * Shared plumbing for the real test services: the prerequisites (each with why and its Debian
 * package; all missing ones named in one message), free loopback ports, readiness polling, child
 * processes that die with their parent or a timeout.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Where downloaded jars and the moto and Sigma virtualenvs live; survives between runs, never committed. */
export const CACHE_DIR = process.env.KEYTOS_SIEM_CACHE ?? path.join(PROJECT_ROOT, ".cache");

/** A program the test services or the tests need, with why and the Debian/Ubuntu packages. */
export interface Prerequisite {
  name: string;
  why: string;
  packages: string[];
  /** What is wrong on this machine ("not installed", "Java 11 found"), or undefined when it is fine. */
  problem(): string | undefined;
}

/** Maven's JVM writes no /tmp/hsperfdata_<user> (the JVM ignores TMPDIR; the suite leaves nothing in /tmp). */
const env = () => ({ ...process.env, MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ""} -XX:-UsePerfData`.trim() });

/** Runs `cmd args` and returns stdout+stderr, or undefined when the command is not installed. */
function probe(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: env() });
  if (r.error) return undefined;
  return `${r.stdout ?? ""}${r.stderr ?? ""}`;
}

const onPath = (cmd: string, args: string[]) => () =>
  probe(cmd, args) === undefined ? `\`${cmd}\` is not on PATH` : undefined;

export const JAVA: Prerequisite = {
  name: "Java 17+",
  why: "runs the Kafka test broker",
  packages: ["openjdk-17-jre-headless"],
  problem() {
    const out = probe("java", ["-XX:-UsePerfData", "-version"]);
    if (out === undefined) return "`java` is not on PATH";
    const major = Number(/version "(\d+)/.exec(out)?.[1] ?? 0);
    return major < 17 ? `Java ${major} found` : undefined;
  },
};

export const MAVEN: Prerequisite = {
  name: "Maven",
  why: "fetches the Kafka broker jars from Maven Central (once, into .cache/)",
  packages: ["maven"],
  problem: onPath("mvn", ["-v"]),
};

/** The Python 3.9+ command, and whether it has the venv module. */
function python(): { command: string; venv: boolean } | undefined {
  for (const command of ["python3", "python"]) {
    const out = probe(command, ["-c", "import sys; print(sys.version_info[0], sys.version_info[1])"]);
    const [major, minor] = (out ?? "").trim().split(" ").map(Number);
    if (major !== 3 || (minor ?? 0) < 9) continue;
    return { command, venv: probe(command, ["-c", "import venv, ensurepip"])?.trim() === "" };
  }
  return undefined;
}

export const PYTHON: Prerequisite = {
  name: "Python 3.9+",
  why: "runs moto (the AWS emulator) and the Sigma toolchain",
  packages: ["python3"],
  problem: () => (python() ? undefined : "no `python3` of 3.9 or newer on PATH"),
};

export const PYTHON_VENV: Prerequisite = {
  name: "Python's venv",
  why: "moto and the Sigma toolchain are installed into virtualenvs (once, into .cache/)",
  packages: ["python3-venv"],
  problem: () => (python()?.venv ? undefined : "the venv module is missing"),
};

export const KCAT: Prerequisite = {
  name: "kcat",
  why: "the Kafka tests read topics back with it, independently of kafkajs",
  packages: ["kcat"],
  problem: onPath("kcat", ["-V"]),
};

export const LIBRDKAFKA_ENGINE: Prerequisite = {
  name: "the librdkafka Kafka engine",
  why: "the Kafka tests run on both engines; @confluentinc/kafka-javascript (an optional dependency) builds from source with these packages, then run CKJS_LINKING=dynamic npm install",
  packages: [
    "build-essential",
    "python3",
    "libzstd-dev",
    "libsasl2-dev",
    "libcurl4-openssl-dev",
    "liblz4-dev",
  ],
  problem: () =>
    spawnSync(process.execPath, ["-e", 'require("@confluentinc/kafka-javascript")'], { cwd: PROJECT_ROOT })
      .status === 0
      ? undefined
      : "@confluentinc/kafka-javascript does not load",
};

export const OPENSSL: Prerequisite = {
  name: "openssl",
  why: "makes the HTTPS test servers' throw-away certificate",
  packages: ["openssl"],
  problem: onPath("openssl", ["version"]),
};

/** Every missing prerequisite of `needed`, named in one message with the command that installs them all. */
export class MissingPrerequisite extends Error {
  constructor(
    what: string,
    readonly missing: { prerequisite: Prerequisite; problem: string }[],
  ) {
    const lines = missing.map(({ prerequisite: p, problem }) => `  - ${p.name} (${problem}): ${p.why}`);
    const packages = [...new Set(missing.flatMap((m) => m.prerequisite.packages))].join(" ");
    super(
      `${what} needs what this machine lacks:\n${lines.join("\n")}\n` +
        `Install (Debian/Ubuntu): sudo apt-get install ${packages}`,
    );
    this.name = "MissingPrerequisite";
  }
}

/** Checks every prerequisite at once; throws one MissingPrerequisite naming all that are missing. */
export function requirePrerequisites(what: string, needed: readonly Prerequisite[]): void {
  const missing = needed.flatMap((prerequisite) => {
    const problem = prerequisite.problem();
    return problem === undefined ? [] : [{ prerequisite, problem }];
  });
  if (missing.length > 0) throw new MissingPrerequisite(what, missing);
}

/** The Python command moto's virtualenv is made with (after requirePrerequisites([PYTHON, ...])). */
export function pythonCommand(): string {
  return python()?.command ?? "python3";
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
