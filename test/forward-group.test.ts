/**
 * Three `keytos-siem forward` processes in one consumer group on a 6-partition topic of the shared
 * broker, provisioned as the Kafka component declares it: 100,000 events (and poison lines)
 * produced independently with kcat while they run; one forwarder killed with -9 mid-stream and
 * started again; a 5xx/429 storm at the endpoint. Every RecordId arrives at least once, none is
 * lost; duplicates are counted and reported; the dead-letter topic holds exactly the poison lines,
 * with their reasons; once all are stopped with SIGTERM, the group's offsets reach every
 * partition's end. Prometheus metrics are scraped from one of them on the way.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { defaultGroup } from "../exporter/forward/source";
import { FaultServer } from "./support/fault-server";
import {
  groupProgress,
  mixIn,
  poisonLines,
  produceWithKcat,
  readTopic,
  stream,
  waitFor,
} from "./support/forward-kit";
import {
  type ForwarderProcess,
  forwardConfig,
  metricsPortOf,
  startForwarder,
  stopForwarder,
} from "./support/forwarder-process";
import { kafkaClient, provisionLikeComponent, testTopicSettings, unprovision } from "./support/kafka-admin";

const { kafka } = inject("services");
const N = 100_000;
const settings = testTopicSettings(kafka, `keytos-forward-group-${Date.now().toString(36)}`, {
  partitions: 6,
  forwarder: true,
});
let server: FaultServer;
const processes: ForwarderProcess[] = [];

beforeAll(async () => {
  server = await new FaultServer().start();
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  await admin.connect();
  await provisionLikeComponent(admin, settings);
  await admin.disconnect();
});
afterAll(async () => {
  for (const p of processes) p.child.kill("SIGKILL");
  await server?.stop();
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  await admin.connect();
  await unprovision(admin, settings).catch(() => {});
  await admin.disconnect();
});

describe("forward: three forwarders in one group", () => {
  it("kill -9 and restart one, a 5xx/429 storm, poison lines: none lost, poison dead-lettered exactly", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "forward-group-"));
    const config = forwardConfig(dir, kafka, settings.topic, server.url);
    const env = { KEYTOS_HTTP_TOKEN: server.token };
    const start = (name: string, extra: string[] = []) => {
      const p = startForwarder(name, kafka, config, env, extra);
      processes.push(p);
      return p;
    };
    const first = start("f1", ["--metrics-port", "0"]);
    const victim = start("f2");
    start("f3");
    const { lines, ids } = stream(N, 2201);
    const poison = poisonLines(20);
    const t0 = performance.now();
    const produced = produceWithKcat(kafka, settings.topic, mixIn(lines, poison), dir);

    await waitFor("a third of the stream delivered", () => server.unique >= N / 3, 180_000);
    victim.child.kill("SIGKILL");
    expect(await victim.exited, "killed with -9").toBeNull();
    // The storm, while the group moves the victim's partitions: throttled and unavailable answers.
    server.script(
      ...Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0 ? { status: 429, retryAfter: "1" } : { status: 503 },
      ),
    );
    await new Promise((r) => setTimeout(r, 2000));
    start("f2-again");

    // Metrics from a live forwarder: lag per partition it owns, delivered, dead-lettered per cause.
    const port = metricsPortOf(first);
    expect(port, first.stderr).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^keytos_forward_consumer_lag\{topic="[^"]+",partition="\d"\} \d+$/m);
    expect(metrics).toMatch(/^keytos_forward_events_delivered_total \d+$/m);
    expect(metrics).toMatch(/^keytos_forward_events_dead_lettered_total\{cause="malformedJson"\} \d+$/m);

    await produced;
    await waitFor(
      "every event at the endpoint",
      () => ids.every((id) => server.received.has(id)),
      300_000,
    ).catch((err: Error) => {
      // What each forwarder said last: the reason a stream stalled.
      const missing = ids.filter((id) => !server.received.has(id)).length;
      const said = processes.map((p) => ({
        name: p.name,
        exit: p.child.exitCode,
        last: p.statuses.at(-1),
        stderr: p.stderr.slice(-1500),
      }));
      throw new Error(`${err.message}: ${missing} missing; ${JSON.stringify(said, null, 1)}`);
    });
    const deliveredMs = Math.round(performance.now() - t0);
    const dead = await readTopic(kafka, settings.forwarder?.deadLetterTopic as string, poison.length);
    const codes = await Promise.all(processes.filter((p) => p !== victim).map((p) => stopForwarder(p)));
    expect(codes, "SIGTERM: drained and exited 0").toEqual([0, 0, 0]);

    const lost = ids.filter((id) => !server.received.has(id));
    const deadValues = new Set(dead.map((d) => d.value));
    console.log(
      `forward group: ${N} events over 6 partitions, 3 forwarders (one killed -9 and restarted), storm of ${60} 429/503: delivered ${server.unique}, duplicates ${server.duplicates}, lost ${lost.length}, dead-lettered ${deadValues.size} unique of ${poison.length} poison (${dead.length - deadValues.size} duplicates) in ${deliveredMs} ms`,
    );
    expect(lost).toEqual([]);
    expect(server.unique).toBe(N);
    expect([...deadValues].sort()).toEqual([...poison].sort());
    for (const d of dead)
      expect(d.headers["keytos-dead-letter-reason"]).toMatch(/^not (valid JSON|a valid event envelope)/);
    expect(
      server.requests.some((r) => r.status === 429 || r.status === 503),
      "the storm was felt",
    ).toBe(true);
    // Everything read was settled before SIGTERM ended them: the group's commits are at the end.
    const progress = await groupProgress(kafka, settings.topic, defaultGroup("http"));
    for (const p of progress) expect(p.committed, `partition ${p.partition}`).toBe(p.end);
    const finals = processes.flatMap((p) => p.statuses.filter((s) => s.final));
    expect(finals).toHaveLength(3);
    // What the forwarders say they delivered never exceeds what the endpoint received (the killed
    // one's last status line predates its end, so the sum may fall short of it: not a loss, the
    // endpoint's count above is the proof).
    const delivered = finals.reduce((n, s) => n + (s.delivered as number), 0);
    for (const s of finals) expect(s.delivered as number).toBeGreaterThan(0);
    expect(delivered + ((victim.statuses.at(-1)?.delivered as number | undefined) ?? 0)).toBeLessThanOrEqual(
      server.unique + server.duplicates,
    );
  }, 600_000);
});
