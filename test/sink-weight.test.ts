/**
 * What a sender loads: each destination's libraries only when it needs them. The HTTP sinks use
 * Node's own http/https (undici's WebAssembly parser cost a third more CPU and ~25 MiB per
 * sender); the azure sink loads @azure/identity (and MSAL) only for credentials that use it.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** Runs `code` in a fresh process (tsx), returning the loaded module paths containing `pkg`. */
function loadedBy(code: string, pkg: string): string[] {
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      `require("tsx/cjs/api").register();
       const { SINKS } = require("./exporter/sinks/index.ts");
       const spec = (key) => SINKS.find((s) => s.key === key);
       ${code}
       console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes(${JSON.stringify(pkg)}))));`,
    ],
    { cwd: path.resolve(__dirname, ".."), encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

describe("what a sender loads", () => {
  it("the CLI loads the forwarder's Kafka client and Prometheus library only for forward", () => {
    const loaded = loadedBy(`require("./exporter/cli/main.ts");`, "/node_modules/");
    const pkgs = new Set(loaded.map((m) => m.split("/node_modules/").at(-1)?.split("/")[0]));
    expect([...pkgs].filter((p) => p === "kafkajs" || p === "prom-client")).toEqual([]);
    expect(pkgs.has("commander")).toBe(true); // the CLI itself did load
  });

  it("the http, datadog and cloudwatch (API key) sinks load no undici", () => {
    const loaded = loadedBy(
      `const env = { KEYTOS_HTTP_TOKEN: "t", DD_API_KEY: "k", KEYTOS_CLOUDWATCH_API_KEY: "k" };
         spec("http").create({ url: "http://127.0.0.1:9/x" }, { connections: 1, env });
         spec("datadog").create({ site: "datadoghq.com" }, { connections: 1, env });
         const target = { region: "eu-west-1", logGroupName: "g", logStreamName: "s" };
         if (spec("cloudwatch").create(target, { connections: 1, env }).constructor.name !== "CloudWatchBearerSink") process.exit(3);
`,
      "/node_modules/undici/",
    );
    expect(loaded).toEqual([]);
  });

  it("the azure sink with a pre-obtained token loads no @azure/identity; the default credential does", () => {
    const target = `{ endpoint: "https://dce.example.com", dcrImmutableId: "dcr-${"0".repeat(32)}" }`;
    const token = loadedBy(
      `spec("azure").create({ ...${target}, credential: "accessToken" }, { connections: 1, env: { KEYTOS_AZURE_ACCESS_TOKEN: "t" } });`,
      "/node_modules/@azure/identity/",
    );
    expect(token).toEqual([]);
    const standard = loadedBy(
      `spec("azure").create(${target}, { connections: 1, env: {} });`,
      "/node_modules/@azure/identity/",
    );
    expect(standard.length).toBeGreaterThan(0);
  });
});
