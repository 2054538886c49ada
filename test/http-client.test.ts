/** The HTTP sinks' shared client (exporter/pipeline/http.ts): Node's own http/https, keep-alive. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, readBody } from "../exporter/pipeline/http";
import { FaultServer } from "./support/fault-server";

let server: FaultServer;
beforeAll(async () => {
  server = await new FaultServer().start();
});
afterAll(() => server.stop());

describe("HTTP client", () => {
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
