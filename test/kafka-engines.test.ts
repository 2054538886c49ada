/**
 * The two Kafka engines behind `send --to kafka`: the choice in the send config (`kafka.client`,
 * its default, a clear line when librdkafka is chosen but missing or not built), librdkafka's
 * errors classified as kafkajs's are, and a record too large for the topic dead-lettered alone
 * by both engines on the real broker while the rest is delivered.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Envelope, sampleStream } from "../components/catalog";
import { toKafkaRecord } from "../components/kafka/shape";
import { Exporter } from "../exporter/pipeline/exporter";
import type { SinkEvent } from "../exporter/pipeline/sink";
import { classifyLibrdkafkaError, createKafkaSink } from "../exporter/sinks/kafka";
import { KafkajsSink } from "../exporter/sinks/kafka/kafkajs";
import { LibrdkafkaSink } from "../exporter/sinks/kafka/librdkafka";
import { loadLibrdkafka, RdCode } from "../exporter/sinks/kafka/librdkafka-module";
import { KAFKA_CLIENTS } from "../exporter/sinks/kafka/spec";
import { runCli } from "./support/cli-run";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "./support/kafka-admin";

const { kafka } = inject("services");
const dir = mkdtempSync(path.join(tmpdir(), "keytos-kafka-engines-"));
const HIDE_LIBRDKAFKA = path.resolve(__dirname, "fixtures", "no-librdkafka", "hide.cjs");
const target = { topic: "audit", bootstrapServers: ["10.0.0.1:9096"] };
const senderEnv = {
  KEYTOS_KAFKA_USERNAME: kafka.sender.username,
  KEYTOS_KAFKA_PASSWORD: kafka.sender.password,
};
const rdError = (code: number, message: string) => Object.assign(new Error(message), { code });

describe("kafka.client: the engine behind send --to kafka", () => {
  it("kafkajs by default; librdkafka when the send config says so, each with its request shape", () => {
    const config = { bootstrapServers: kafka.brokers, topic: "t", allowPlaintext: true };
    const quiet = { env: senderEnv };
    const kafkajs = createKafkaSink(config, quiet);
    const librdkafka = createKafkaSink({ ...config, client: "librdkafka" }, quiet);
    expect(kafkajs).toBeInstanceOf(KafkajsSink);
    expect(librdkafka).toBeInstanceOf(LibrdkafkaSink);
    // kafkajs: one sendBatch at a time; librdkafka: two requests of 5,000 keep its threads busy.
    expect(kafkajs.limits).toMatchObject({ maxEventsPerRequest: 2000, maxInFlight: 1 });
    expect(librdkafka.limits).toMatchObject({ maxEventsPerRequest: 5000, maxInFlight: 2 });
    // Both make the record's key and headers at the door: waiting events hold no parsed envelope.
    const env = [...sampleStream(1, { seed: 4 })][0] as Envelope;
    for (const sink of [kafkajs, librdkafka]) {
      const event: SinkEvent = { env, json: JSON.stringify(env) };
      sink.eventBytes(event);
      const { value: _, ...meta } = toKafkaRecord(env, event.json);
      expect([sink.needsEnvelope, event.shaped]).toEqual([false, meta]);
    }
  });

  it("librdkafka chosen but not installed: one line naming kafka.client, how to install it, exit 1", async () => {
    const input = path.join(dir, "events.ndjson");
    writeFileSync(input, `${JSON.stringify([...sampleStream(1, { seed: 3 })][0])}\n`);
    const config = path.join(dir, "send.yaml");
    writeFileSync(
      config,
      `kafka:\n  bootstrapServers: [${kafka.brokers[0]}]\n  topic: t\n  client: librdkafka\n`,
    );
    const spool = path.join(dir, "spool");
    const r = await runCli(["send", "--to", "kafka", "--config", config, "--spool", spool, input], {
      ...senderEnv,
      NODE_OPTIONS: `--require ${HIDE_LIBRDKAFKA}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^keytos-siem: .*kafka\.client is librdkafka, but its package @confluentinc\/kafka-javascript \(an optional dependency\) is not installed: npm install @confluentinc\/kafka-javascript .*apt-get install .*libsasl2-dev.*CKJS_LINKING=dynamic npm install .*, or set kafka\.client: kafkajs\n$/,
    );
  });

  it("an unknown engine names the field and the choices", async () => {
    const config = path.join(dir, "bad-client.yaml");
    writeFileSync(
      config,
      `kafka:\n  bootstrapServers: [${kafka.brokers[0]}]\n  topic: t\n  client: rdkafka\n`,
    );
    const r = await runCli(["send", "--to", "kafka", "--config", config, "--spool", path.join(dir, "s2")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/kafka\.client.*must be one of kafkajs, librdkafka/);
  });

  it("installed but not built for this Node: one line saying so and how to rebuild", () => {
    const notBuilt = () => {
      throw Object.assign(
        new Error(
          "The module '/x/confluent-kafka-javascript.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137. Please try re-compiling or re-installing",
        ),
        { code: "ERR_DLOPEN_FAILED" },
      );
    };
    expect(() => loadLibrdkafka(notBuilt)).toThrow(
      /^kafka\.client is librdkafka, but @confluentinc\/kafka-javascript's native module does not load in Node v\d+\.\d+\.\d+ \(The module '\/x\/confluent-kafka-javascript\.node' was compiled against a different Node\.js version using NODE_MODULE_VERSION 115\. This version of Node\.js requires NODE_MODULE_VERSION 137\.\): rebuild it with CKJS_LINKING=dynamic npm rebuild @confluentinc\/kafka-javascript, or set kafka\.client: kafkajs$/,
    );
  });
});

describe("librdkafka's errors, classified as kafkajs's", () => {
  it("unreachable brokers are retried with what to check; a rejected record is dead-lettered", () => {
    expect(
      classifyLibrdkafkaError(rdError(RdCode.ERR__TRANSPORT, "Local: Broker transport failure"), target, "u"),
    ).toEqual({
      kind: "retryable",
      reason:
        "cannot reach the brokers 10.0.0.1:9096: check bootstrapServers, the network and TLS (ERR__TRANSPORT: Local: Broker transport failure)",
    });
    expect(
      classifyLibrdkafkaError(rdError(RdCode.ERR_INVALID_RECORD, "Broker: Invalid record"), target, "u").kind,
    ).toBe("permanent");
    expect(
      classifyLibrdkafkaError(
        rdError(RdCode.ERR_MSG_SIZE_TOO_LARGE, "Broker: Message size too large"),
        target,
        "u",
      ).kind,
    ).toBe("too-large");
  });

  it("a fatal producer error is classified by its cause: the idempotent producer refused is a missing grant", () => {
    const fatal = rdError(RdCode.ERR__FATAL, "Local: Fatal error");
    const cause = rdError(
      RdCode.ERR_CLUSTER_AUTHORIZATION_FAILED,
      "Fatal error: Broker: Cluster authorization failed",
    );
    expect(classifyLibrdkafkaError(fatal, target, "ezca", cause)).toMatchObject({
      kind: "stop",
      reason: expect.stringMatching(
        /^User:ezca is not authorized to write to topic "audit" \(cluster authorization failed/,
      ),
    });
    expect(classifyLibrdkafkaError(fatal, target, "ezca").kind).toBe("retryable");
  });
});

describe.each(KAFKA_CLIENTS)("a record too large for the topic, on %s (real broker)", (engine) => {
  const topic = `keytos-too-large-${engine}-${Date.now()}`;
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  beforeAll(async () => {
    await admin.connect();
    // The topic takes record batches of 4 KiB at most; the sender is not told (default 1 MiB).
    await provisionLikeComponent(admin, testTopicSettings(kafka, topic, { maxMessageBytes: 4096 }));
  });
  afterAll(() => admin.disconnect());

  it("is dead-lettered alone; the batches around it are split until they fit and delivered", async () => {
    const events = [...sampleStream(200, { seed: 91, time: Date.now() / 1000 - 60 })];
    const big = { ...events[100], meta: { blob: randomBytes(8000).toString("base64") } };
    const lines = [...events.slice(0, 100), big, ...events.slice(100)].map((e) => JSON.stringify(e));
    const spoolDir = mkdtempSync(path.join(dir, `spool-${engine}-`));
    const exporter = new Exporter(
      createKafkaSink(
        { bootstrapServers: kafka.brokers, topic, allowPlaintext: true, client: engine },
        { env: senderEnv },
      ),
      { spoolDir, lingerMs: 20, retry: { initialMs: 20, maxMs: 100, maxElapsedMs: 20_000 } },
    );
    await exporter.acceptMany(lines);
    const summary = await exporter.close({ timeoutMs: 60_000 });
    expect(summary, JSON.stringify(summary)).toMatchObject({
      accepted: 201,
      sent: 200,
      deadLettered: 1,
      inSpool: 0,
    });
    const dead = readFileSync(path.join(spoolDir, "kafka.deadletter.ndjson"), "utf8").trim().split("\n");
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0] as string)).toMatchObject({ cause: "tooLarge", event: { meta: big.meta } });
  }, 90_000);
});
