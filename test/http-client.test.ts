/**
 * The HTTP sinks' shared client (exporter/pipeline/http.ts): Node's own http/https with keep-alive
 * connections, so `send` to an HTTP destination loads no undici (its WebAssembly parser cost a
 * third more CPU and ~25 MiB per sender).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, readBody } from "../exporter/pipeline/http";
import { FaultServer } from "./support/fault-server";

let server: FaultServer;
beforeAll(async () => {
  server = await new FaultServer().start();
});
afterAll(() => server.stop());

describe("HTTP client", () => {
  it("the http, datadog and cloudwatch (API key) sinks load no undici", () => {
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        `require("tsx/cjs/api").register();
         const { SINKS } = require("./exporter/sinks/index.ts");
         const spec = (key) => SINKS.find((s) => s.key === key);
         const env = { KEYTOS_HTTP_TOKEN: "t", DD_API_KEY: "k", KEYTOS_CLOUDWATCH_API_KEY: "k" };
         spec("http").create({ url: "http://127.0.0.1:9/x" }, { connections: 1, env });
         spec("datadog").create({ site: "datadoghq.com" }, { connections: 1, env });
         const target = { region: "eu-west-1", logGroupName: "g", logStreamName: "s" };
         if (spec("cloudwatch").create(target, { connections: 1, env }).constructor.name !== "CloudWatchBearerSink") process.exit(3);
         console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes("/node_modules/undici/"))));`,
      ],
      { cwd: path.resolve(__dirname, ".."), encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it("posts over at most `connections` keep-alive connections and reads the answer", async () => {
    const client = createClient({ url: new URL(server.url), connections: 2 });
    const body = `${JSON.stringify({ event: { RecordId: "r-1" } })}\n`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const res = await client.request({
          method: "POST",
          path: "/ingest",
          headers: { authorization: `Bearer ${server.token}`, "content-type": "application/x-ndjson" },
          body,
          signal: AbortSignal.timeout(5000),
        });
        return [res.statusCode, await readBody(res.body)];
      }),
    );
    expect(answers).toEqual(Array.from({ length: 6 }, () => [200, "{}"]));
    expect(server.received.get("r-1")).toBe(6);
    await client.close();
  });

  it("an aborted request rejects (the pipeline retries it)", async () => {
    server.delayMs = 2000;
    try {
      const client = createClient({ url: new URL(server.url), connections: 1 });
      const request = client.request({
        method: "POST",
        path: "/ingest",
        headers: {},
        body: "",
        signal: AbortSignal.timeout(50),
      });
      await expect(request).rejects.toMatchObject({ name: "AbortError" });
      await client.close();
    } finally {
      server.delayMs = 0;
    }
  });
});
