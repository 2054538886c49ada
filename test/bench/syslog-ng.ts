/**
 * The HTTP peer: syslog-ng from Debian (syslog-ng-core, syslog-ng-mod-http) reading the bench's
 * NDJSON file and POSTing JSON arrays of 1,000 lines to the Datadog-shaped intake, with a reliable
 * disk buffer and flow control: the durable shipper a user would otherwise pick. Installed here
 * with apt-get when missing (as root), with GNU time, which measures every sender.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { SenderCommand, ServerInfo } from "./end-to-end";

/** The Debian packages the HTTP section needs, and how each is found. */
const NEEDED = [
  { packages: ["syslog-ng-core", "syslog-ng-mod-http"], present: () => syslogNgModules()?.includes("http") },
  { packages: ["time"], present: () => spawnSync("/usr/bin/time", ["-f", "", "true"]).status === 0 },
];

/** syslog-ng's available modules, or undefined when it is not installed. */
function syslogNgModules(): string[] | undefined {
  const r = spawnSync("syslog-ng", ["--version"], { encoding: "utf8" });
  if (r.error) return undefined;
  return /Available-Modules: (.*)/.exec(r.stdout)?.[1]?.split(",");
}

/** Installs syslog-ng and GNU time from Debian's packages when missing; throws naming them otherwise. */
export function ensureHttpPeers(): void {
  const missing = NEEDED.filter((n) => !n.present()).flatMap((n) => n.packages);
  if (missing.length === 0) return;
  const root = process.getuid?.() === 0;
  const apt = spawnSync("apt-get", ["--version"]).status === 0;
  if (!root || !apt)
    throw new Error(
      `the HTTP benchmark needs ${missing.join(", ")}: sudo apt-get install --no-install-recommends ${missing.join(" ")}`,
    );
  process.stderr.write(`bench: installing from Debian packages: ${missing.join(" ")}\n`);
  const run = (args: string[]) =>
    spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=300", ...args], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    }).status === 0;
  if (!run(["update", "-qq"]) || !run(["install", "-y", "-qq", "--no-install-recommends", ...missing]))
    throw new Error(`apt-get could not install ${missing.join(" ")}`);
  const still = NEEDED.filter((n) => !n.present()).flatMap((n) => n.packages);
  if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.join(", ")}`);
}

/** syslog-ng's version line, e.g. "3.38.1". */
export function syslogNgVersion(): string {
  const out = spawnSync("syslog-ng", ["--version"], { encoding: "utf8" }).stdout;
  return /Installer-Version: (\S+)/.exec(out)?.[1] ?? "unknown";
}

/** The peer's configuration: what the report prints and what syslog-ng runs. */
export function syslogNgConfig(input: string, url: string, apiKey: string, dir: string): string {
  return `@version: 3.38
options { stats-freq(0); };
source s_events {
  # One event per line, taken whole as the message (no syslog parsing).
  file("${input}" flags(no-parse) follow-freq(1) log-iw-size(10000));
};
destination d_intake {
  http(
    url("${url}")
    method("POST")
    headers("DD-API-KEY: ${apiKey}", "Content-Type: application/json")
    body-prefix("[") body("\${MSG}") delimiter(",") body-suffix("]")
    batch-lines(1000) batch-bytes(4MB) batch-timeout(100)
    workers(4)
    persist-name("bench")
    # Every message written to the buffer file before it is sent (no fsync).
    disk-buffer(reliable(yes) dir("${dir}") disk-buf-size(268435456) mem-buf-size(16777216))
  );
};
log { source(s_events); destination(d_intake); flags(flow-control); };
`;
}

/** Writes the config into dir and returns how to run syslog-ng on it in the foreground. */
export function syslogNgCommand(input: string, dir: string, info: ServerInfo): SenderCommand {
  const config = path.join(dir, "syslog-ng.conf");
  writeFileSync(config, syslogNgConfig(input, info.url as string, info.apiKey as string, dir));
  const pidFile = path.join(dir, "syslog-ng.pid");
  return {
    argv: [
      "syslog-ng",
      "--foreground",
      "--stderr",
      `--cfgfile=${config}`,
      `--persist-file=${path.join(dir, "syslog-ng.persist")}`,
      `--pidfile=${pidFile}`,
      `--control=${path.join(dir, "syslog-ng.ctl")}`,
    ],
    pidFile,
  };
}
