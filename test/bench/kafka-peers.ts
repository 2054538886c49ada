/**
 * The Kafka bench's peers, installed the way the test services install theirs, from the package
 * registries: kcat and GNU time (each contender's CPU seconds and peak RSS) from Debian, and the
 * librdkafka engine (@confluentinc/kafka-javascript, an optional dependency that builds from
 * source where no prebuilt binary can be fetched: Debian's build libraries, then npm install).
 * As root with apt-get, what is missing is installed; otherwise one message names it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const ENGINE = "@confluentinc/kafka-javascript";
/** What building librdkafka needs beyond build-essential and python3 (Debian's names). */
export const LIBRDKAFKA_BUILD_PACKAGES = [
  "libzstd-dev",
  "libsasl2-dev",
  "libcurl4-openssl-dev",
  "liblz4-dev",
];

export interface KafkaPeerVersions {
  kcat: string;
  engine: string;
  kafkajs: string;
}

const installed = (pkg: string) => spawnSync("dpkg", ["-s", pkg], { stdio: "ignore" }).status === 0;

/** Whether the engine loads in a fresh Node (a failed require would stay cached in this one). */
const engineLoads = () =>
  spawnSync(process.execPath, ["-e", `require(${JSON.stringify(ENGINE)})`], { cwd: ROOT }).status === 0;

function aptInstall(packages: string[]): void {
  if (packages.length === 0) return;
  const line = `apt-get install ${packages.join(" ")}`;
  if (process.getuid?.() !== 0 || spawnSync("apt-get", ["--version"]).error)
    throw new Error(`the Kafka bench needs Debian packages this machine lacks: sudo ${line}`);
  process.stderr.write(`bench: installing from Debian packages: ${packages.join(" ")}\n`);
  execFileSync("sh", ["-c", `apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${line} -y -qq`], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/**
 * npm builds the engine against the running Node's own headers (node-gyp would otherwise fetch
 * them from the internet, or use another Node's from an npmrc's nodedir).
 */
export function engineBuildEnv(): NodeJS.ProcessEnv {
  const prefix = path.dirname(path.dirname(process.execPath));
  return {
    ...process.env,
    CKJS_LINKING: "dynamic",
    ...(existsSync(path.join(prefix, "include", "node", "node.h")) ? { npm_config_nodedir: prefix } : {}),
  };
}

/** Installs what is missing; returns the peers' versions for the report. */
export function ensureKafkaPeers(): KafkaPeerVersions {
  const engineMissing = !engineLoads();
  aptInstall([
    ...(spawnSync("kcat", ["-V"]).error ? ["kcat"] : []),
    ...(existsSync("/usr/bin/time") ? [] : ["time"]),
    ...(engineMissing
      ? ["build-essential", "python3", ...LIBRDKAFKA_BUILD_PACKAGES].filter((p) => !installed(p))
      : []),
  ]);
  if (engineMissing) {
    process.stderr.write(`bench: building ${ENGINE} (an optional dependency; about 2 minutes)...\n`);
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: ROOT,
      env: engineBuildEnv(),
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (!engineLoads())
      throw new Error(`${ENGINE} still does not load after npm install: see the output above`);
  }
  const version = (pkg: string) =>
    JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version as string;
  const librdkafka = execFileSync(
    process.execPath,
    ["-p", `require(${JSON.stringify(ENGINE)}).librdkafkaVersion`],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  ).trim();
  const kcat = /Version (\S+).*librdkafka (\S+)/.exec(execFileSync("kcat", ["-V"], { encoding: "utf8" }));
  return {
    kcat: `kcat ${kcat?.[1] ?? "?"} (librdkafka ${kcat?.[2] ?? "?"}, Debian)`,
    engine: `${ENGINE} ${version(ENGINE)} (librdkafka ${librdkafka})`,
    kafkajs: `kafkajs ${version("kafkajs")}`,
  };
}
