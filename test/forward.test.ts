/**
 * The forwarder's core on the real broker, in process: a topic provisioned as the Kafka component
 * declares it (the forwarder's own principal with only its grants), events produced with kcat,
 * delivered to the HTTP contract server through the shared pipeline during a 429/503 storm,
 * poison lines to the dead-letter topic with their reasons, the group's offsets committed to the
 * end once everything is delivered; a batch the destination condemns goes to the dead-letter
 * topic too, and a refused credential halts without committing past the undelivered events.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ResolvedKafkaSettings } from "../components/kafka/contract";
import { DEAD_LETTER_HEADERS } from "../exporter/forward/dead-letter-topic";
import { Forwarder, type ForwarderOptions } from "../exporter/forward/forwarder";
import { type KafkaSource, resolveKafkaSource } from "../exporter/forward/source";
import { HttpSink } from "../exporter/sinks/http";
import { runCli } from "./support/cli-run";
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
  forwarderUser,
  kafkaClient,
  provisionLikeComponent,
  testTopicSettings,
  unprovision,
} from "./support/kafka-admin";

const { kafka } = inject("services");
const run = Date.now().toString(36);
const provisioned: ResolvedKafkaSettings[] = [];
let server: FaultServer;

async function topic(name: string, partitions = 3): Promise<ResolvedKafkaSettings> {
  const settings = testTopicSettings(kafka, `keytos-forward-${name}-${run}`, { partitions, forwarder: true });
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  await admin.connect();
  await provisionLikeComponent(admin, settings);
  await admin.disconnect();
  provisioned.push(settings);
  return settings;
}

const sourceOf = (s: ResolvedKafkaSettings, group: string): KafkaSource =>
  resolveKafkaSource(
    { bootstrapServers: kafka.brokers, topic: s.topic, group, allowPlaintext: true },
    "http",
    {
      KEYTOS_FORWARD_USERNAME: forwarderUser(kafka).username,
      KEYTOS_FORWARD_PASSWORD: forwarderUser(kafka).password,
    },
  );

function forwarder(source: KafkaSource, token = server.token, options: ForwarderOptions = {}): Forwarder {
  const sink = new HttpSink(
    { url: server.url, maxEventsPerRequest: 200, maxBytesPerEvent: 8192 },
    { connections: 4, env: { KEYTOS_HTTP_TOKEN: token } },
  );
  return new Forwarder(sink, source, { lingerMs: 20, retry: { initialMs: 20, maxMs: 500 }, ...options });
}

beforeAll(async () => {
  server = await new FaultServer().start();
});
afterAll(async () => {
  await server?.stop();
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  await admin.connect();
  for (const s of provisioned) await unprovision(admin, s).catch(() => {});
  await admin.disconnect();
});

describe("forward --from kafka, in process", () => {
  it("delivers through a 429/503 storm, dead-letters the poison lines, commits to the end", async () => {
    const s = await topic("core");
    const { lines, ids } = stream(5000, 2101);
    const poison = poisonLines(6);
    // The storm: of the first 90 requests, a third throttled (Retry-After), a third unavailable.
    server.script(
      ...Array.from({ length: 90 }, (_, i) =>
        i % 3 === 0 ? { status: 429, retryAfter: "0" } : i % 3 === 1 ? { status: 503 } : {},
      ),
    );
    const group = `keytos-siem-forward.core-${run}`;
    const f = forwarder(sourceOf(s, group));
    await f.start();
    await produceWithKcat(kafka, s.topic, mixIn(lines, poison), mkdtempSync(path.join(tmpdir(), "kcat-")));
    await waitFor("every event at the endpoint", () => ids.every((id) => server.received.has(id)), 60_000);
    await waitFor(
      "the poison in the dead-letter topic",
      () => f.status().deadLettered === poison.length,
      30_000,
    );
    const status = await f.stop(10_000);
    expect(status).toMatchObject({ delivered: expect.any(Number), deadLettered: poison.length, queued: 0 });
    expect(status.retried, "the storm was felt").toBeGreaterThan(0);
    expect(status.deadLetters).toMatchObject({ malformedJson: 3, invalidEnvelope: 3 });
    // Everything read was settled, so the group's commits reach the end of every partition.
    const progress = await groupProgress(kafka, s.topic, group);
    for (const p of progress) expect(p.committed, `partition ${p.partition}`).toBe(p.end);
    const dead = await readTopic(kafka, s.forwarder?.deadLetterTopic as string, poison.length);
    expect(dead.map((d) => d.value).sort()).toEqual([...poison].sort());
    for (const d of dead) {
      expect(d.headers[DEAD_LETTER_HEADERS.cause]).toMatch(/^(malformedJson|invalidEnvelope)$/);
      expect(d.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^(not valid JSON|not a valid event envelope)/);
      expect(d.headers[DEAD_LETTER_HEADERS.topic]).toBe(s.topic);
    }
    console.log(
      `forward core: ${server.unique} unique of ${ids.length}, ${server.duplicates} duplicates, ${status.retried} retried, ${dead.length} dead-lettered`,
    );
  }, 120_000);

  it("a batch the destination condemns goes to the dead-letter topic with its reason; the partition goes on", async () => {
    const s = await topic("condemned", 1);
    const { lines, ids } = stream(300, 2102);
    server.clearFaults();
    server.script({ status: 400, body: '{"error":"field types do not match"}' });
    const f = forwarder(sourceOf(s, `keytos-siem-forward.condemned-${run}`));
    await f.start();
    await produceWithKcat(kafka, s.topic, lines, mkdtempSync(path.join(tmpdir(), "kcat-")));
    await waitFor(
      "every event delivered or dead-lettered",
      () => {
        const st = f.status();
        return st.delivered + st.deadLettered >= ids.length;
      },
      60_000,
    );
    const status = await f.stop(10_000);
    expect(status.deadLetters.rejectedByDestination).toBeGreaterThan(0);
    const dead = await readTopic(kafka, s.forwarder?.deadLetterTopic as string, status.deadLettered);
    expect(dead).toHaveLength(status.deadLettered);
    expect(dead[0]?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^rejected by http: HTTP 400.*field types/);
    const deadIds = new Set(dead.map((d) => JSON.parse(d.value).event.RecordId as string));
    expect(
      ids.filter((id) => !server.received.has(id) && !deadIds.has(id)),
      "none lost",
    ).toEqual([]);
    const [p] = await groupProgress(kafka, s.topic, `keytos-siem-forward.condemned-${run}`);
    expect(p?.committed).toBe(p?.end);
  }, 60_000);

  it("a refused credential halts: nothing committed past the events not delivered", async () => {
    const s = await topic("refused", 1);
    const { lines } = stream(200, 2103);
    server.clearFaults();
    const group = `keytos-siem-forward.refused-${run}`;
    const f = forwarder(sourceOf(s, group), "wrong-token");
    await f.start();
    await produceWithKcat(kafka, s.topic, lines, mkdtempSync(path.join(tmpdir(), "kcat-")));
    const end = await f.ended;
    expect(end).toMatchObject({ halted: expect.stringMatching(/^HTTP 401 \(authentication failed/) });
    const status = await f.stop(1000);
    expect(status.delivered).toBe(0);
    const [p] = await groupProgress(kafka, s.topic, group);
    expect(p?.committed, "no offset committed").toBe(-1);
  }, 60_000);

  it("least privilege: the forwarder's principal reads its topic in its groups, and nothing else", async () => {
    const s = await topic("acl", 1);
    const user = forwarderUser(kafka);
    const env = {
      KEYTOS_FORWARD_BROKERS: kafka.brokers.join(","),
      KEYTOS_FORWARD_USERNAME: user.username,
      KEYTOS_FORWARD_PASSWORD: user.password,
      KEYTOS_HTTP_URL: server.url,
      KEYTOS_HTTP_TOKEN: server.token,
    };
    const config = path.join(mkdtempSync(path.join(tmpdir(), "acl-")), "forward.yaml");
    writeFileSync(config, "forward: { allowPlaintext: true }\n");
    const forward = (...args: string[]) =>
      runCli(["forward", "--from", "kafka", "--to", "http", "--config", config, ...args], env);
    // A group outside the granted prefix, the dead-letter topic read as a source: refused, one line each, exit 3.
    const otherGroup = await forward("--topic", s.topic, "--group", `elsewhere-${run}`);
    expect(otherGroup.code).toBe(3);
    expect(otherGroup.stderr).toMatch(
      /warning: consumer group "elsewhere-[^"]+" is outside the prefix keytos-siem-forward/,
    );
    expect(otherGroup.stderr).toMatch(
      /User:\S+ .*consumer group "elsewhere-[^"]+".*: grant it Read on groups prefixed keytos-siem-forward/,
    );
    const deadAsSource = await forward(
      "--topic",
      s.forwarder?.deadLetterTopic as string,
      "--group",
      `keytos-siem-forward.acl-${run}`,
    );
    expect(deadAsSource.code).toBe(3);
    expect(deadAsSource.stderr).toMatch(/may not read topic ".*\.deadletter": grant it Read/);
    expect(`${otherGroup.stderr}${deadAsSource.stderr}`).not.toContain(user.password);
    // Its own grants do not let it write the topic it reads.
    const producer = kafkaClient(kafka.brokers, user).producer();
    await producer.connect();
    await expect(producer.send({ topic: s.topic, messages: [{ value: "x" }] })).rejects.toMatchObject({
      type: "TOPIC_AUTHORIZATION_FAILED",
    });
    await producer.disconnect();
  }, 90_000);
});
