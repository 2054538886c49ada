/**
 * The Sigma toolchain (sigma-cli + pySigma backends, from PyPI) that checks, converts and runs the
 * exported Sigma rules. Two virtualenvs under .cache/, installed once like moto: the Datadog
 * backend pins pySigma 0.11, which sigma-cli 3 cannot share, so it lives in an older sigma-cli.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CACHE_DIR, PYTHON, PYTHON_VENV, pythonCommand, requirePrerequisites, runOrThrow } from "./prereqs";

export interface SigmaToolchain {
  /** Folder name under .cache/ (changes with any pin, so a new pin installs afresh). */
  name: string;
  /** pip requirements, every one pinned. */
  packages: readonly string[];
  /** The backends (`sigma convert -t`) it provides. */
  targets: readonly string[];
}

/** sigma-cli 3.1.0 with pySigma 1.5.1: kusto, splunk, elasticsearch, loki and sqlite backends. */
export const SIGMA: SigmaToolchain = {
  name: "sigma-3.1.0",
  packages: [
    "sigma-cli==3.1.0",
    "pySigma==1.5.1",
    "pySigma-backend-kusto==1.0.1",
    "pySigma-backend-splunk==2.1.0",
    "pySigma-backend-elasticsearch==2.1.1",
    "pySigma-backend-loki==0.15.1",
    // 2.1 needs pySigma 2, which sigma-cli 3.1 does not take.
    "pySigma-backend-sqlite==2.0.0",
  ],
  targets: ["kusto", "splunk", "lucene", "esql", "loki", "sqlite"],
};

/** sigma-cli 1.0.6 with pySigma 0.11.23: the Datadog backend (0.3.1 requires pySigma <0.12). */
export const SIGMA_DATADOG: SigmaToolchain = {
  name: "sigma-datadog-0.3.1",
  packages: ["sigma-cli==1.0.6", "pySigma==0.11.23", "pySigma-backend-datadog==0.3.1"],
  targets: ["datadog"],
};

export const SIGMA_TOOLCHAINS = [SIGMA, SIGMA_DATADOG] as const;

const venvOf = (t: SigmaToolchain) => path.join(CACHE_DIR, t.name);
const markerOf = (t: SigmaToolchain) => path.join(venvOf(t), ".complete");

/** Whether every Sigma virtualenv is in the cache already (then Python's venv module is not needed). */
export const sigmaInstalled = () => SIGMA_TOOLCHAINS.every((t) => existsSync(markerOf(t)));

/** The `sigma` command of a toolchain (after installSigma). */
export const sigmaCommand = (t: SigmaToolchain) => path.join(venvOf(t), "bin", "sigma");

/** The toolchain's Python (its sqlite3 module runs the sqlite backend's queries). */
export const sigmaPython = (t: SigmaToolchain) => path.join(venvOf(t), "bin", "python");

/** Creates each virtualenv and installs its pinned packages (once); returns the venv folders. */
export function installSigma(): string[] {
  return SIGMA_TOOLCHAINS.map((t) => {
    const venv = venvOf(t);
    if (existsSync(markerOf(t))) return venv;
    requirePrerequisites("the Sigma toolchain", [PYTHON, PYTHON_VENV]);
    runOrThrow(pythonCommand(), ["-m", "venv", "--clear", venv], `Creating the ${t.name} virtualenv`);
    runOrThrow(
      path.join(venv, "bin", "pip"),
      ["install", "--quiet", "--disable-pip-version-check", ...t.packages],
      `Installing ${t.packages.join(" ")} from PyPI`,
    );
    writeFileSync(markerOf(t), `${new Date().toISOString()}\n`);
    return venv;
  });
}
