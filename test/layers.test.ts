/**
 * The direction of imports (ARCHITECTURE.md), read from every source file with TypeScript's own
 * pre-processor (imports, re-exports and require calls):
 *   exporter/cli -> stacks -> components/registry -> components/<dest> -> components/policy -> catalog, config
 *   exporter/cli -> exporter/sinks -> exporter/sinks/<dest> -> exporter/smoke -> exporter/pipeline -> catalog
 *                                     exporter/sinks/<dest> -> components/<same dest> (never its Pulumi component)
 *   exporter/cli -> exporter/forward -> exporter/pipeline, components/kafka (its contract: the source's target)
 * and no loop between folders. Also: loading the CLI loads no Pulumi module, so `send` stays light.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const LAYERS = ["components", "stacks", "exporter"];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.posix.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return rel.endsWith(".ts") ? [rel] : [];
  });
}

/** The project files a file imports (relative specifiers resolved; packages left out). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith("."))
    .flatMap((spec) => {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const hit = [`${base}.ts`, `${base}/index.ts`, base].find((f) => existsSync(path.join(ROOT, f)));
      return hit && !hit.endsWith(".json") ? [hit] : [];
    });
}

/** Where a file sits: a folder, or a layer-root file of its own (registry.ts, destination.ts, spec.ts). */
function nodeOf(file: string): string {
  const parts = file.split("/");
  const dir = parts.slice(0, -1).join("/");
  if (dir === "components" || dir === "exporter/sinks") return file;
  if (parts[0] === "stacks") return "stacks";
  if (dir.startsWith("exporter/sinks/")) return parts.slice(0, 3).join("/");
  return parts.slice(0, 2).join("/");
}

const SHARED = ["components/catalog", "components/config", "components/policy"];
const isComponentDest = (n: string) =>
  n.startsWith("components/") && !SHARED.includes(n) && !n.endsWith(".ts") && n.split("/").length === 2;
const isSinkDest = (n: string) => n.startsWith("exporter/sinks/") && !n.endsWith(".ts");
const destOf = (n: string) => n.split("/").pop() as string;

/** Why an import from `from` to `to` runs against the direction, or undefined when it is allowed. */
function violation(from: string, to: string): string | undefined {
  const a = nodeOf(from);
  const b = nodeOf(to);
  if (a === b) return undefined;
  const ok = (() => {
    if (a === "components/catalog") return false;
    if (a === "components/config") return false;
    if (a === "components/policy") return b === "components/catalog" || b === "components/config";
    if (a === "components/destination.ts") return b === "components/policy";
    if (isComponentDest(a)) return SHARED.includes(b) || b === "components/destination.ts";
    if (a === "components/registry.ts") return b.startsWith("components/");
    if (a === "stacks") return b.startsWith("components/");
    if (a === "exporter/pipeline") return b === "components/catalog";
    // The forwarder reads Kafka (the kafka component's contract) and delivers through any Sink: never a sink's code.
    if (a === "exporter/forward")
      return (
        ["exporter/pipeline", ...SHARED].includes(b) ||
        (b === "components/kafka" && to.endsWith("/contract.ts"))
      );
    if (a === "exporter/smoke") return b === "exporter/pipeline" || SHARED.includes(b);
    if (a === "exporter/sinks/spec.ts") return ["exporter/pipeline", "exporter/smoke", ...SHARED].includes(b);
    if (a === "exporter/sinks/index.ts") return isSinkDest(b) || b === "exporter/sinks/spec.ts";
    if (isSinkDest(a)) {
      // Its own component folder, but never the Pulumi side of it.
      const own = b === `components/${destOf(a)}` && !/\/(component|destination|plan)\.ts$/.test(to);
      return own || ["exporter/sinks/spec.ts", "exporter/smoke", "exporter/pipeline", ...SHARED].includes(b);
    }
    if (a === "exporter/cli") return !b.startsWith("exporter/cli");
    return false;
  })();
  return ok ? undefined : `${from} -> ${to} (${a} may not import ${b})`;
}

const files = LAYERS.flatMap(sources);
const edges = files.flatMap((from) => importsOf(from).map((to) => ({ from, to })));

describe("import direction", () => {
  it("reads the imports it checks", () => {
    expect(files.length).toBeGreaterThan(60);
    expect(edges).toContainEqual({
      from: "components/registry.ts",
      to: "components/cloudwatch/destination.ts",
    });
    expect(edges).toContainEqual({
      from: "components/cloudwatch/destination.ts",
      to: "components/cloudwatch/component.ts",
    });
  });

  it("no arrow runs against the stated direction", () => {
    expect(edges.flatMap((e) => violation(e.from, e.to) ?? [])).toEqual([]);
  });

  it("would catch the arrows the shape forbids", () => {
    expect(violation("components/policy/compile.ts", "components/cloudwatch/alerts.ts")).toBeDefined();
    expect(violation("components/catalog/envelope.ts", "components/azure/tables.ts")).toBeDefined();
    expect(violation("components/cloudwatch/alerts.ts", "components/datadog/query.ts")).toBeDefined();
    expect(violation("components/kafka/contract.ts", "stacks/outputs.ts")).toBeDefined();
    expect(violation("stacks/plan.ts", "exporter/cli/plan.ts")).toBeDefined();
    expect(violation("exporter/sinks/kafka/spec.ts", "stacks/outputs.ts")).toBeDefined();
    expect(violation("exporter/pipeline/exporter.ts", "exporter/sinks/http/index.ts")).toBeDefined();
    expect(violation("exporter/sinks/kafka/index.ts", "components/kafka/component.ts")).toBeDefined();
    expect(violation("exporter/sinks/kafka/index.ts", "components/azure/shape.ts")).toBeDefined();
    expect(violation("exporter/sinks/kafka/index.ts", "components/kafka/shape.ts")).toBeUndefined();
    expect(violation("exporter/forward/forwarder.ts", "exporter/sinks/kafka/index.ts")).toBeDefined();
    expect(violation("exporter/forward/source.ts", "components/kafka/component.ts")).toBeDefined();
    expect(violation("exporter/forward/source.ts", "components/kafka/contract.ts")).toBeUndefined();
  });

  it("no loop between folders", () => {
    const graph = new Map<string, Set<string>>();
    for (const { from, to } of edges) {
      const [a, b] = [nodeOf(from), nodeOf(to)];
      if (a !== b) graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
    const loops: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === "done") return;
      if (state.get(node) === "open") {
        loops.push([...trail.slice(trail.indexOf(node)), node].join(" -> "));
        return;
      }
      state.set(node, "open");
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, "done");
    };
    for (const node of graph.keys()) visit(node, []);
    expect(loops).toEqual([]);
  });

  it("loading the CLI loads no Pulumi module (send stays light)", () => {
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        `require("tsx/cjs/api").register(); require("./exporter/cli/main.ts");
         console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes("/node_modules/@pulumi/"))));`,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
