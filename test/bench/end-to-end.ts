/**
 * One end-to-end run of a sender process against the bench's destination server (its own
 * process, server-process.ts): from the sender's process start to the moment the server counted
 * the last event. The sender runs under GNU time, whose getrusage of the child gives its CPU
 * seconds (user + sys) and peak RSS (ru_maxrss, the kernel's high-water mark, as VmHWM). Every
 * run must deliver exactly the events sent: anything else throws.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";

export type ServerKind = "fault" | "datadog" | "azure" | "splunk";
export type ServerInfo = Record<string, string>;

/** How to start one sender, given the server it talks to and a fresh scratch folder. */
export interface SenderCommand {
  argv: string[];
  env?: Record<string, string>;
  /**
   * A daemon (syslog-ng) does not exit at the end of its input: it is stopped with SIGTERM once
   * the server has every event, by the pid it wrote to this file.
   */
  pidFile?: string;
}

export interface RunFigures {
  /** Process start to the last event counted at the server. */
  seconds: number;
  /** User + system CPU of the sender (and any child it waits for). */
  cpuSeconds: number;
  peakRssBytes: number;
  delivered: number;
}

const NODE = process.execPath;

interface Server {
  info: ServerInfo;
  /** Resolves with the wall-clock time the server counted `expect` events. */
  reached: Promise<number>;
  /** Stops the server; resolves with how many events it counted in all. */
  stop(): Promise<number>;
}

export async function startServer(kind: ServerKind, expect: number): Promise<Server> {
  const child = spawn(NODE, ["--import", "tsx", path.join(__dirname, "server-process.ts")], {
    env: { ...process.env, BENCH_SERVER: kind, BENCH_EXPECT: String(expect) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const messages: Record<string, number | string>[] = [];
  let waiters: (() => void)[] = [];
  let closed = false;
  const wake = () => {
    for (const w of waiters) w();
    waiters = [];
  };
  lines.on("line", (line) => {
    messages.push(JSON.parse(line) as Record<string, number | string>);
    wake();
  });
  lines.on("close", () => {
    closed = true;
    wake();
  });
  const next = async (key: string): Promise<Record<string, number | string>> => {
    for (;;) {
      const found = messages.find((m) => key in m);
      if (found) return found;
      if (closed) throw new Error(`the bench's ${kind} server stopped before reporting "${key}"`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const info = (await next("url")) as ServerInfo;
  const reached = next("reached").then((m) => Number(m.at));
  reached.catch(() => undefined); // awaited by the caller when it matters
  return {
    info,
    reached,
    stop: async () => {
      child.stdin.end();
      return Number((await next("delivered")).delivered);
    },
  };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

/** Runs `command(server, dir)` once, from its start to its last event at a `kind` server. */
export async function runEndToEnd(
  kind: ServerKind,
  events: number,
  dir: string,
  command: (info: ServerInfo) => SenderCommand,
  timeoutMs = 300_000,
): Promise<RunFigures> {
  const server = await startServer(kind, events);
  const usageFile = path.join(dir, "rusage");
  let sender: ChildProcess | undefined;
  let stderr = "";
  try {
    const cmd = command(server.info);
    const t0 = performance.timeOrigin + performance.now();
    sender = spawn("/usr/bin/time", ["-o", usageFile, "-f", "%U %S %M", ...cmd.argv], {
      env: { ...process.env, ...cmd.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: a failed run kills time and the sender together
    });
    let stdout = "";
    sender.stdout?.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    sender.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString("utf8")).slice(-4000)));
    const done = exited(sender);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      server.reached.then((at) => ({ at })),
      // A sender that exits before the server has everything lost events (or failed).
      cmd.pidFile ? new Promise<never>(() => undefined) : done.then((code) => ({ code })),
      new Promise<{ timeout: true }>((r) => (timer = setTimeout(() => r({ timeout: true }), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!("at" in outcome)) {
      throw new Error(
        `${cmd.argv[0]}: ${"timeout" in outcome ? `not all ${events} events arrived within ${timeoutMs / 1000} s` : `exited (${outcome.code}) before all ${events} events arrived`}\n${stderr}${stdout.slice(-2000)}`,
      );
    }
    if (cmd.pidFile) process.kill(Number(readFileSync(cmd.pidFile, "utf8").trim()), "SIGTERM");
    const code = await done;
    if (code !== 0) throw new Error(`${cmd.argv[0]} exited with ${code}\n${stderr}`);
    const [user, sys, maxRssKb] =
      readFileSync(usageFile, "utf8").trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
    const delivered = await server.stop();
    if (delivered !== events)
      throw new Error(`${cmd.argv[0]}: the server counted ${delivered} events, ${events} were sent`);
    return {
      seconds: (outcome.at - t0) / 1000,
      cpuSeconds: (user ?? 0) + (sys ?? 0),
      peakRssBytes: (maxRssKb ?? 0) * 1024,
      delivered,
    };
  } finally {
    if (sender?.pid && sender.exitCode === null) process.kill(-sender.pid, "SIGKILL");
    await server.stop().catch(() => undefined);
  }
}
