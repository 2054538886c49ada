/**
 * What makes `npm start` (`plan --stack example-all`) start fast, each checked in a fresh process:
 * a plan loads only the providers its stack uses, serializes no dynamic provider (Pulumi's
 * serializer turns the V8 debugger on) and computes no alias URN; tsx handles .ts files only;
 * Node's compile cache lives in the user's cache folder, never in the temporary one.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "exporter", "cli", "bin.cjs");
const { compileCacheDir } = require("../exporter/cli/start-up.cjs") as {
  compileCacheDir(env: NodeJS.ProcessEnv, home: string): string;
};

interface PlanProcess {
  /** Every @pulumi module the process loaded, relative to node_modules. */
  pulumiModules: string[];
  /** Calls to Pulumi's function serializer. */
  serialized: number;
  /** Aliases Pulumi turned into URNs (each an Output): azure-native's are `{ type }`. */
  aliasUrns: number;
}

/** Plans `stack` in a new process as the CLI does, watching Pulumi from the inside. */
function planInProcess(stack: string): PlanProcess {
  const script = `
    require("./exporter/cli/start-up.cjs").registerTypeScript();
    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const outputs = require("@pulumi/pulumi/output");
    const seen = { serialized: 0, aliasUrns: 0 };
    const serialize = closure.serializeFunction;
    closure.serializeFunction = (...a) => (seen.serialized++, serialize(...a));
    const output = outputs.output;
    outputs.output = (v, ...a) => {
      if (v && typeof v === "object" && Object.keys(v).join() === "type") seen.aliasUrns++;
      return output(v, ...a);
    };
    Error.stackTraceLimit = 0;
    const { runPlan } = require("./exporter/cli/plan.ts");
    const { DESTINATIONS } = require("./components/registry.ts");
    runPlan({ stack: ${JSON.stringify(stack)} }, DESTINATIONS).then(() => {
      const pulumiModules = Object.keys(require.cache)
        .filter((f) => f.includes("/node_modules/@pulumi/"))
        .map((f) => f.slice(f.lastIndexOf("/node_modules/") + "/node_modules/".length));
      console.log(JSON.stringify({ ...seen, pulumiModules }));
    });`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanProcess;
}

const packages = (modules: string[]) => [...new Set(modules.map((m) => m.split("/").slice(0, 2).join("/")))];

describe("plan loads and computes only what the stack needs", () => {
  it("a Datadog stack loads Pulumi and the Datadog provider, no other provider", () => {
    const p = planInProcess("example-datadog");
    expect(packages(p.pulumiModules).sort()).toEqual(["@pulumi/datadog", "@pulumi/pulumi"]);
  });

  it("every destination: @pulumi/aws's services, not its index of ~300; no serialized provider, no alias URN", () => {
    const p = planInProcess("example-all");
    expect(packages(p.pulumiModules).sort()).toEqual([
      "@pulumi/aws",
      "@pulumi/azure-native",
      "@pulumi/azuread",
      "@pulumi/datadog",
      "@pulumi/kafka",
      "@pulumi/pulumi",
    ]);
    expect(p.pulumiModules).not.toContain("@pulumi/aws/index.js");
    expect(p.pulumiModules).not.toContain("@pulumi/azure-native/index.js");
    expect(p.pulumiModules.filter((m) => m.startsWith("@pulumi/aws/")).length).toBeLessThan(60);
    expect(p.serialized).toBe(0);
    expect(p.aliasUrns).toBe(0);
  });
});

describe("the CLI process", () => {
  it("has tsx load .ts files only: plain .js stays with Node's own loader", () => {
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        `const Module = require("node:module");
         const nodeJs = Module._extensions[".js"];
         require("./exporter/cli/start-up.cjs").registerTypeScript();
         const { CATALOG } = require("./components/catalog/events.ts");
         console.log(JSON.stringify({ same: Module._extensions[".js"] === nodeJs, ts: CATALOG.length > 0 }));`,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ same: true, ts: true });
  });

  it("keeps Node's compile cache in the user's cache folder ($XDG_CACHE_HOME, else ~/.cache)", () => {
    expect(compileCacheDir({}, "/home/ana")).toBe("/home/ana/.cache/keytos-siem/node-compile-cache");
    expect(compileCacheDir({ XDG_CACHE_HOME: "/var/cache/ana" }, "/home/ana")).toBe(
      "/var/cache/ana/keytos-siem/node-compile-cache",
    );
    expect(compileCacheDir({ XDG_CACHE_HOME: "relative" }, "/home/ana")).toBe(
      "/home/ana/.cache/keytos-siem/node-compile-cache",
    );
    expect(compileCacheDir({ NODE_COMPILE_CACHE: "/elsewhere" }, "/home/ana")).toBe("/elsewhere");

    const cacheHome = mkdtempSync(path.join(tmpdir(), "keytos-cache-"));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cacheHome };
      delete env.NODE_COMPILE_CACHE;
      delete env.NODE_DISABLE_COMPILE_CACHE;
      const r = spawnSync(process.execPath, [BIN, "catalog", "--json"], { cwd: ROOT, env, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const dir = path.join(cacheHome, "keytos-siem", "node-compile-cache");
      const entries = readdirSync(dir, { recursive: true });
      expect(entries.length).toBeGreaterThan(10); // one file per compiled module, under a Node version folder
    } finally {
      rmSync(cacheHome, { recursive: true, force: true });
    }
  });
});
