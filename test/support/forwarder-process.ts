/**
 * `keytos-siem forward` as real processes for the group tests: a config file for the test broker
 * and the HTTP contract server, processes started with --json status lines, killed with -9 or
 * stopped with SIGTERM, their last status read back.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { KafkaInfo } from "../services/kafka";
import { BIN } from "./cli-run";
import { forwarderUser } from "./kafka-admin";

/** The send config a forwarder of these tests reads: the topic, fast group moves, the endpoint. */
export function forwardConfig(
  dir: string,
  kafka: KafkaInfo,
  topic: string,
  url: string,
  /** More fields of the forward section, e.g. "maxPendingEvents: 100". */
  more = "",
): string {
  const file = path.join(dir, `forward-${topic}.yaml`);
  writeFileSync(
    file,
    [
      "pipeline: { maxInFlight: 4, lingerMs: 20, retry: { initialMs: 50, maxMs: 1000 } }",
      `forward: { bootstrapServers: [${kafka.brokers.join(", ")}], topic: ${topic}, allowPlaintext: true,`,
      `  sessionTimeoutMs: 6000, revokeDeadlineMs: 5000${more ? `, ${more}` : ""} }`,
      `http: { url: "${url}", maxEventsPerRequest: 500 }`,
      "",
    ].join("\n"),
  );
  return file;
}

export interface ForwarderProcess {
  name: string;
  child: ChildProcess;
  /** JSON status lines printed so far. */
  statuses: Record<string, unknown>[];
  stderr: string;
  exited: Promise<number | null>;
}

export function startForwarder(
  name: string,
  kafka: KafkaInfo,
  config: string,
  env: NodeJS.ProcessEnv,
  extra: string[] = [],
): ForwarderProcess {
  const user = forwarderUser(kafka);
  const child = spawn(
    process.execPath,
    [
      BIN,
      "forward",
      "--from",
      "kafka",
      "--to",
      "http",
      "--config",
      config,
      "--json",
      "--status-interval",
      "1",
      ...extra,
    ],
    {
      env: {
        ...process.env,
        KEYTOS_FORWARD_USERNAME: user.username,
        KEYTOS_FORWARD_PASSWORD: user.password,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const p: ForwarderProcess = {
    name,
    child,
    statuses: [],
    stderr: "",
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
  };
  let buffer = "";
  child.stdout?.on("data", (d) => {
    buffer += d;
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("{")) p.statuses.push(JSON.parse(line));
  });
  child.stderr?.on("data", (d) => (p.stderr += d));
  return p;
}

/** The port a forwarder serves its metrics on, once it says so. */
export const metricsPortOf = (p: ForwarderProcess) => Number(/metrics on :(\d+)\//.exec(p.stderr)?.[1] ?? 0);

/** SIGTERM, then its exit code (SIGKILL after the timeout). */
export async function stopForwarder(p: ForwarderProcess, timeoutMs = 60_000): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}
