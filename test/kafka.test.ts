/**
 * The Kafka destination on the real broker from the test services: topic and ACLs as the
 * component declares them (applied with kafkajs admin); for each engine (kafkajs, librdkafka) the
 * sink's round trip counted by id, kcat (an independent client) reading back the envelopes, and
 * the distinct failure messages.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ResourcePatternTypes,
} from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkEnvelope, sampleStream } from "../components/catalog";
import { topicConfig } from "../components/kafka/contract";
import { Exporter } from "../exporter/pipeline/exporter";
import { classifyKafkaError, createKafkaSink, type KafkaSinkConfig } from "../exporter/sinks/kafka";
import { KAFKA_CLIENTS } from "../exporter/sinks/kafka/spec";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "./support/kafka-admin";
import { recordResources } from "./support/pulumi-mocks";

const { kafka } = inject("services");
const settingsFor = (topic: string) => testTopicSettings(kafka, topic);
const settings = settingsFor(`keytos-audit-${Date.now()}`);
const client = (user: { username: string; password: string }) => kafkaClient(kafka.brokers, user);
const admin = client(kafka.admin).admin();

beforeAll(async () => {
  await admin.connect();
  await provisionLikeComponent(admin, settings);
});
afterAll(() => admin.disconnect());

const recent = (n: number, seed: number) =>
  [...sampleStream(n, { seed, time: Date.now() / 1000 })].map((e) => JSON.stringify(e));

async function send(
  lines: string[],
  user: { username: string; password: string },
  over: Partial<KafkaSinkConfig> & Pick<KafkaSinkConfig, "topic">,
) {
  const sink = createKafkaSink(
    { bootstrapServers: kafka.brokers, allowPlaintext: true, ...over },
    { env: { KEYTOS_KAFKA_USERNAME: user.username, KEYTOS_KAFKA_PASSWORD: user.password } },
  );
  const exporter = new Exporter(sink, {
    spoolDir: mkdtempSync(path.join(tmpdir(), "keytos-kafka-")),
    lingerMs: 20,
    retry: { initialMs: 50, maxMs: 200, maxElapsedMs: 3000 },
  });
  await exporter.acceptMany(lines);
  return exporter.close({ timeoutMs: 30_000 });
}

describe("Kafka destination (real broker)", () => {
  it("the topic created from the component's settings has exactly its configuration", async () => {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: settings.topic }],
    });
    const entries = Object.fromEntries(
      (described.resources[0]?.configEntries ?? []).map((c) => [c.configName, c.configValue]),
    );
    for (const [name, value] of Object.entries(topicConfig(settings)))
      expect(entries[name], name).toBe(value);
    const meta = await admin.fetchTopicMetadata({ topics: [settings.topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);
  });

  it("classifies: an unreachable broker is retried with what to check; a rejected record is dead-lettered", () => {
    const config = { topic: "t", bootstrapServers: ["10.0.0.1:9096"] };
    const refused = Object.assign(new Error("Connection error: connect ECONNREFUSED 10.0.0.1:9096"), {
      name: "KafkaJSConnectionError",
    });
    const retries = Object.assign(new Error("retries exhausted"), {
      name: "KafkaJSNumberOfRetriesExceeded",
      originalError: refused,
    });
    expect(classifyKafkaError(retries, config, "u")).toEqual({
      kind: "retryable",
      reason:
        "cannot reach the brokers 10.0.0.1:9096: check bootstrapServers, the network and TLS (KafkaJSConnectionError: Connection error: connect ECONNREFUSED 10.0.0.1:9096)",
    });
    const invalid = Object.assign(new Error("invalid record"), {
      name: "KafkaJSProtocolError",
      type: "INVALID_RECORD",
    });
    expect(classifyKafkaError(invalid, config, "u").kind).toBe("permanent");
  });

  it("the sender holds exactly Write and Describe on the topic: least privilege", async () => {
    const acls = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: `User:${kafka.sender.username}`,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const grants = acls.resources.flatMap((r) =>
      r.acls.map((a) => `${r.resourceType}:${r.resourceName}:${a.operation}`),
    );
    expect(grants.filter((g) => g.includes(settings.topic)).sort()).toEqual(
      [
        `${AclResourceTypes.TOPIC}:${settings.topic}:${AclOperationTypes.DESCRIBE}`,
        `${AclResourceTypes.TOPIC}:${settings.topic}:${AclOperationTypes.WRITE}`,
      ].sort(),
    );
  });
});

describe.each(KAFKA_CLIENTS)("Kafka sink on %s (real broker)", (engine) => {
  const topic = settingsFor(`keytos-audit-${engine}-${Date.now()}`).topic;
  beforeAll(() => provisionLikeComponent(admin, settingsFor(topic)));

  it("round trip: N events produced by the sink, N read back by id with headers and per-CA keys", async () => {
    const lines = recent(2000, 51);
    const summary = await send(lines, kafka.sender, { topic, client: engine });
    expect(summary).toMatchObject({ accepted: 2000, sent: 2000, inSpool: 0 });
    const consumer = client(kafka.admin).consumer({ groupId: `verify-${engine}-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topic, fromBeginning: true });
    const seen = new Map<string, { key: string; headers: Record<string, string> }>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.size} of 2000 read back`)), 25_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const env = JSON.parse(message.value?.toString() ?? "{}");
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          );
          seen.set(env.event.RecordId, { key: message.key?.toString() ?? "", headers });
          if (seen.size >= 2000) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    for (const line of lines) expect(seen.has(JSON.parse(line).event.RecordId)).toBe(true);
    const sample = JSON.parse(lines[7] as string);
    const got = seen.get(sample.event.RecordId);
    expect(got?.headers).toMatchObject({
      source: sample.source,
      sourcetype: sample.sourcetype,
      record_id: sample.event.RecordId,
    });
    expect(got?.key).toMatch(/^(EZCA|EZMonitor)\//);
  });

  it("kcat, an independent client, reads the same envelopes back", () => {
    const out = execFileSync(
      "kcat",
      [
        "-C",
        "-b",
        kafka.brokers[0] as string,
        "-t",
        topic,
        "-o",
        "beginning",
        "-e",
        "-q",
        "-f",
        "%s\\n",
        "-X",
        "security.protocol=SASL_PLAINTEXT",
        "-X",
        "sasl.mechanisms=PLAIN",
        "-X",
        `sasl.username=${kafka.admin.username}`,
        "-X",
        `sasl.password=${kafka.admin.password}`,
      ],
      { encoding: "utf8", timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const records = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records.length).toBeGreaterThanOrEqual(2000);
    expect(records.every((r) => checkEnvelope(r).ok)).toBe(true);
  });

  it("a wrong password, a missing topic, an unknown topic and a missing grant each fail with their own message", async () => {
    const wrong = await send(recent(3, 52), kafka.wrongPassword, { topic, client: engine });
    expect(wrong.halted).toMatch(
      new RegExp(
        `^SASL/PLAIN authentication failed for user "${kafka.sender.username}": check the username and password`,
      ),
    );
    // The admin may describe any topic, so the broker says it is missing; the sender may not, so it is refused.
    const missing = await send(recent(3, 55), kafka.admin, { topic: "no-such-topic", client: engine });
    expect(missing.halted).toMatch(/^topic "no-such-topic" does not exist on the cluster \(create it with/);
    const unknown = await send(recent(3, 53), kafka.sender, { topic: "no-such-topic", client: engine });
    expect(unknown.halted).toMatch(/^User:ezca-sender is not authorized to write to topic "no-such-topic"/);
    const outsider = await send(recent(3, 54), kafka.outsider, { topic, client: engine });
    expect(outsider.halted).toMatch(
      new RegExp(
        `^User:${kafka.outsider.username} is not authorized to write to topic "${topic}".*grant Write and Describe`,
      ),
    );
    expect(`${wrong.halted}${unknown.halted}${outsider.halted}`).not.toContain(kafka.sender.password);
    // Each stops the run: nothing dead-lettered, every event kept in the spool for the run after the fix.
    for (const s of [wrong, missing, unknown, outsider])
      expect(s).toMatchObject({ sent: 0, deadLettered: 0, inSpool: 3 });
  });
});

describe("KafkaDestination (Pulumi mocks)", () => {
  it("declares the topic with its config and exactly the sender's Write + Describe ACLs", async () => {
    const registered = await recordResources();
    const { KafkaDestination } = await import("../components/kafka");
    const k = new KafkaDestination("kafka", {
      bootstrapServers: ["kafka-1.example.com:9096"],
      senderUsername: "ezca-sender",
    });
    await new Promise<void>((resolve) => k.topic.apply(() => resolve()));
    for (let i = 0; i < 100 && registered.filter((r) => r.type === "kafka:index/acl:Acl").length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(registered.find((r) => r.type === "kafka:index/topic:Topic")?.inputs).toEqual({
      name: "keytos-siem.audit",
      partitions: 3,
      replicationFactor: 3,
      config: {
        "cleanup.policy": "delete",
        "max.message.bytes": "1048588",
        "min.insync.replicas": "2",
        "retention.ms": "604800000",
      },
    });
    const acls = registered.filter((r) => r.type === "kafka:index/acl:Acl").map((r) => r.inputs);
    expect(acls).toHaveLength(2);
    expect(acls.map((a) => a.aclOperation).sort()).toEqual(["Describe", "Write"]);
    expect(
      acls.every(
        (a) =>
          a.aclPrincipal === "User:ezca-sender" &&
          a.aclResourceType === "Topic" &&
          a.aclResourceName === "keytos-siem.audit" &&
          a.resourcePatternTypeFilter === "Literal",
      ),
    ).toBe(true);
    expect(k.principal).toBe("User:ezca-sender");
    expect(
      () =>
        new KafkaDestination("bad", {
          bootstrapServers: [],
          senderUsername: "x",
          replicationFactor: 1,
          minInsyncReplicas: 2,
        }),
    ).toThrow(
      /bootstrapServers \[\] must be host:port[\s\S]*minInsyncReplicas 2 must be between 1 and replicationFactor \(1\)/,
    );
  });
});
