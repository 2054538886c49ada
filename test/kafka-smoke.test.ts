/**
 * The Kafka smoke check on the real broker: produce (through the sink, on each engine), then
 * consume back from the recorded offsets.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { smokeKafka } from "../exporter/sinks/kafka/smoke";
import { KAFKA_CLIENTS } from "../exporter/sinks/kafka/spec";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "./support/kafka-admin";

const { kafka } = inject("services");
const topic = `keytos-smoke-${Date.now()}`;
const admin = kafkaClient(kafka.brokers, kafka.admin).admin();

beforeAll(async () => {
  await admin.connect();
  // The sender gets exactly the component's grants (Write + Describe), so it cannot read back.
  await provisionLikeComponent(admin, testTopicSettings(kafka, topic, { partitions: 2 }));
});
afterAll(() => admin.disconnect());

const senderEnv = {
  KEYTOS_KAFKA_USERNAME: kafka.sender.username,
  KEYTOS_KAFKA_PASSWORD: kafka.sender.password,
};

describe.each(KAFKA_CLIENTS)("kafka smoke check, producing on %s", (client) => {
  const config = () => ({ bootstrapServers: kafka.brokers, topic, allowPlaintext: true, client });

  it("produces a tagged event and consumes it back with a fresh group from the recorded offsets", async () => {
    const results = await smokeKafka({
      config: config(),
      env: {
        ...senderEnv,
        KEYTOS_KAFKA_SMOKE_USERNAME: kafka.admin.username,
        KEYTOS_KAFKA_SMOKE_PASSWORD: kafka.admin.password,
      },
      timeoutMs: 20_000,
    });
    expect(results.map((r) => [r.check, r.result])).toEqual([
      ["produce test event", "pass"],
      ["consume test event back", "pass"],
    ]);
  });

  it("without reader credentials: sent, not verified — never a pass", async () => {
    const results = await smokeKafka({ config: config(), env: senderEnv });
    expect(results.map((r) => r.result)).toEqual(["pass", "sent-not-verified"]);
  });

  it("a wrong password fails the produce check with the authentication message", async () => {
    const results = await smokeKafka({
      config: config(),
      env: {
        KEYTOS_KAFKA_USERNAME: kafka.sender.username,
        KEYTOS_KAFKA_PASSWORD: kafka.wrongPassword.password,
      },
    });
    expect(results).toHaveLength(1);
    expect(results[0]?.detail).toMatch(/SASL\/PLAIN authentication failed/);
  });

  it("unreachable brokers fail the produce check as a temporary failure naming the brokers to check", async () => {
    const results = await smokeKafka({
      config: { ...config(), bootstrapServers: ["127.0.0.1:1"] },
      env: senderEnv,
      timeoutMs: 20_000,
    });
    expect(results).toHaveLength(1);
    expect(results[0]?.detail).toMatch(
      /^not accepted, a temporary failure .*: cannot reach the brokers 127\.0\.0\.1:1: check bootstrapServers, the network and TLS/,
    );
  }, 30_000);
});
