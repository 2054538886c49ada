/**
 * Two `keytos-siem forward` processes while a private broker (never the shared one) is stopped
 * mid-stream and started again on the same port and storage: every event arrives at the endpoint
 * at least once, none lost, duplicates reported; both drain on SIGTERM.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restartableKafka } from "./services/kafka";
import { FaultServer } from "./support/fault-server";
import { produceWithKcat, stream, waitFor } from "./support/forward-kit";
import {
  type ForwarderProcess,
  forwardConfig,
  startForwarder,
  stopForwarder,
} from "./support/forwarder-process";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "./support/kafka-admin";

let broker: Awaited<ReturnType<typeof restartableKafka>>;
let server: FaultServer;
const processes: ForwarderProcess[] = [];
const N = 40_000;
const DOWN_MS = 3000;

beforeAll(async () => {
  broker = await restartableKafka();
  server = await new FaultServer().start();
}, 180_000);
afterAll(async () => {
  for (const p of processes) p.child.kill("SIGKILL");
  await server?.stop();
  await broker?.stop();
});

describe("forward: the broker restarts mid-stream", () => {
  it("delivers every event at least once; none lost", async () => {
    const kafka = broker.info;
    const settings = testTopicSettings(kafka, "keytos-forward-restart", { partitions: 3, forwarder: true });
    const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
    await admin.connect();
    await provisionLikeComponent(admin, settings);
    await admin.disconnect();
    const dir = mkdtempSync(path.join(tmpdir(), "forward-restart-"));
    const { lines, ids } = stream(N, 2301);
    await produceWithKcat(kafka, settings.topic, lines, dir);
    // A slow endpoint and a small bound on what each forwarder holds: the outage falls mid-stream.
    server.delayMs = 1000;
    const config = forwardConfig(dir, kafka, settings.topic, server.url, "maxPendingEvents: 100");
    for (const name of ["r1", "r2"])
      processes.push(startForwarder(name, kafka, config, { KEYTOS_HTTP_TOKEN: server.token }));
    await waitFor("a quarter delivered", () => server.unique >= N / 4, 120_000);
    await broker.stop();
    const downAt = server.unique;
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await broker.restart();
    const restartedAt = server.unique;
    server.delayMs = 0;
    await waitFor("every event at the endpoint", () => ids.every((id) => server.received.has(id)), 180_000);
    const codes = await Promise.all(processes.map((p) => stopForwarder(p)));
    const lost = ids.filter((id) => !server.received.has(id));
    console.log(
      `forward broker restart: ${N} events, 2 forwarders, broker stopped at ${downAt} delivered and back at ${restartedAt}: delivered ${server.unique}, duplicates ${server.duplicates}, lost ${lost.length}`,
    );
    expect(restartedAt, "events were left to read when the broker came back").toBeLessThan(N);
    expect(lost).toEqual([]);
    expect(codes).toEqual([0, 0]);
  }, 420_000);
});
