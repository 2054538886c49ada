/**
 * Runs `keytos-siem` as a real process (the bin a user runs), asynchronously: the test servers
 * answering it live in the test's own process and must keep answering.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export const BIN = path.resolve(__dirname, "..", "..", "exporter", "cli", "bin.cjs");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `keytos-siem ...args` with the environment added to this one's; standard input is empty. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
