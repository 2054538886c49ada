/**
 * moto's server (the AWS emulator from PyPI) on a free loopback port, for CloudWatch Logs,
 * IAM, CloudWatch and SNS. Installed once into a virtualenv under .cache/.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CACHE_DIR,
  freePort,
  PYTHON,
  PYTHON_VENV,
  pythonCommand,
  requirePrerequisites,
  runOrThrow,
  type Spawned,
  spawnService,
  waitUntil,
} from "./prereqs";

/** Pinned so every machine runs the same emulator. */
export const MOTO_VERSION = "5.2.5";
const VENV = path.join(CACHE_DIR, `moto-${MOTO_VERSION}`);
const BIN = path.join(VENV, "bin");

export interface MotoInfo {
  version: string;
  endpoint: string;
  region: string;
  /** moto accepts any credentials; these make the AWS SDK sign requests without a real account. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  logFile: string;
  /** Scratch folder (config, data, logs); removed when the service stops. */
  workDir: string;
  pid?: number;
}

const MARKER = path.join(VENV, ".complete");

/** Whether moto's virtualenv is in the cache already (then Python's venv module is not needed). */
export const motoInstalled = () => existsSync(MARKER);

/** Creates the virtualenv and installs moto[server] (once). */
export function installMoto(): string {
  if (motoInstalled()) return BIN;
  requirePrerequisites("moto (the AWS emulator)", [PYTHON, PYTHON_VENV]);
  runOrThrow(pythonCommand(), ["-m", "venv", VENV], "Creating the moto virtualenv");
  runOrThrow(
    path.join(BIN, "pip"),
    ["install", "--quiet", "--disable-pip-version-check", `moto[server]==${MOTO_VERSION}`],
    `Installing moto[server]==${MOTO_VERSION} from PyPI`,
  );
  writeFileSync(MARKER, `${new Date().toISOString()}\n`);
  return BIN;
}

/** Starts moto's server; resolves when its API answers. */
export async function startMoto(
  opts: { detached?: boolean } = {},
): Promise<{ info: MotoInfo; service: Spawned }> {
  const bin = installMoto();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-moto-"));
  const logFile = path.join(dir, "moto.log");
  const service = spawnService(
    path.join(bin, "moto_server"),
    ["-H", "127.0.0.1", "-p", String(port)],
    logFile,
    {
      detached: opts.detached ?? false,
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      `moto server on ${endpoint}`,
      async () => {
        if (service.child.exitCode !== null)
          throw new Error(`moto exited with code ${service.child.exitCode}`);
        const res = await fetch(`${endpoint}/moto-api/data.json`);
        await res.arrayBuffer();
        return res.ok;
      },
      60_000,
      logFile,
    );
  } catch (err) {
    await service.stop();
    throw err;
  }
  return {
    info: {
      version: MOTO_VERSION,
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      logFile,
      workDir: dir,
      ...(service.child.pid ? { pid: service.child.pid } : {}),
    },
    service,
  };
}
