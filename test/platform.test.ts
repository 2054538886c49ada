/**
 * The platform: Node 24.15+ (package.json engines, checked by the CLI before anything loads) and
 * an install that builds nothing native but the optional librdkafka Kafka engine, with every
 * install script in the tree reviewed: that one allowed, every other denied.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const { nodeVersionProblem } = createRequire(__filename)("../exporter/cli/node-version.cjs") as {
  nodeVersionProblem: (version: string) => string | undefined;
};
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  engines: { node: string };
  allowScripts: Record<string, boolean>;
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { hasInstallScript?: boolean; optional?: boolean; engines?: { node?: string } }>;
};

describe("platform", () => {
  it("needs Node 24.15 or newer (node:sqlite is experimental before), and says how to get it", () => {
    expect(pkg.engines.node).toBe(">=24.15");
    expect(lock.packages[""]?.engines?.node).toBe(pkg.engines.node);
    for (const old of ["20.19.0", "22.13.0", "24.14.1"])
      expect(nodeVersionProblem(old)).toBe(
        `Node.js 24.15 or newer is needed (this is ${old}): install Node.js 24 LTS, see README (Prerequisites)`,
      );
    for (const ok of ["24.15.0", "24.22.3", "25.0.0", "26.1.0"])
      expect(nodeVersionProblem(ok)).toBeUndefined();
    expect(nodeVersionProblem(process.versions.node)).toBeUndefined(); // the suite itself runs on it
  });

  it("the spool needs no native build: only the optional librdkafka engine's install script runs", () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([where, p]) => where !== "" && p.hasInstallScript) // "": this project (patch-package)
      .map(([where]) => where.replace(/^.*node_modules\//, ""));
    expect(withScripts.length).toBeGreaterThan(0); // the lock records them (esbuild, protobufjs, ...)
    // Each one reviewed in allowScripts (so npm ci warns about none); only the engine's build runs.
    const engine = "@confluentinc/kafka-javascript";
    expect(Object.fromEntries(withScripts.map((name) => [name, pkg.allowScripts[name]]))).toEqual(
      Object.fromEntries(withScripts.map((name) => [name, name === engine])),
    );
    expect(lock.packages[`node_modules/${engine}`]).toMatchObject({ optional: true });
    expect(pkg.dependencies["better-sqlite3"]).toBeUndefined();
  });
});
