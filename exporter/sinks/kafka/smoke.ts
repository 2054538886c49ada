/**
 * Kafka post-deploy smoke check: record the topic's end offsets, produce a uniquely tagged test
 * event through the sink, then consume it back with a fresh consumer group from the recorded
 * offsets within a timeout. The sender has no Read grant (least privilege): reading back uses
 * the reader credentials given (KEYTOS_KAFKA_SMOKE_USERNAME / _PASSWORD); without them, or if
 * they cannot read, the result is "sent, not verified", never a pass.
 */
import { Kafka, logLevel } from "kafkajs";
import { type SmokeResult, sendOnce, taggedTestEvent, timed } from "../../smoke/result";
import { createKafkaSink, type KafkaSinkConfig } from "./index";

export interface KafkaSmokeOptions {
  config: KafkaSinkConfig;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const D = "kafka";

export async function smokeKafka(opts: KafkaSmokeOptions): Promise<SmokeResult[]> {
  const { config, env } = opts;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const reader =
    env.KEYTOS_KAFKA_SMOKE_USERNAME && env.KEYTOS_KAFKA_SMOKE_PASSWORD
      ? { username: env.KEYTOS_KAFKA_SMOKE_USERNAME, password: env.KEYTOS_KAFKA_SMOKE_PASSWORD }
      : undefined;
  const kafka = reader
    ? new Kafka({
        clientId: "keytos-siem-smoke",
        brokers: config.bootstrapServers,
        ssl: !config.allowPlaintext,
        sasl: { mechanism: "plain", ...reader },
        logLevel: logLevel.NOTHING,
        retry: { retries: 1 },
      })
    : undefined;

  let offsets: { partition: number; offset: string }[] = [];
  if (kafka) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      offsets = await admin.fetchTopicOffsets(config.topic);
    } catch {
      offsets = []; // verified below as "not verified"
    } finally {
      await admin.disconnect();
    }
  }

  const { env: test, recordId } = taggedTestEvent();
  const results: SmokeResult[] = [];
  const sent = await timed(D, "produce test event", async () => {
    await sendOnce(createKafkaSink(config, { env }), test, timeoutMs);
    return {
      result: "pass",
      detail: `RecordId ${recordId} acknowledged by all in-sync replicas of ${config.topic}`,
    };
  });
  results.push(sent);
  if (sent.result !== "pass") return results;

  results.push(
    await timed(D, "consume test event back", async () => {
      if (!kafka || offsets.length === 0) {
        return {
          result: "sent-not-verified",
          detail: reader
            ? `the reader cannot describe ${config.topic}: sent, not verified`
            : "no reader credentials (KEYTOS_KAFKA_SMOKE_USERNAME / _PASSWORD): sent, not verified",
        };
      }
      const consumer = kafka.consumer({ groupId: `keytos-siem-smoke-${recordId}` });
      // Seek once the group has assigned the partitions: kafkajs silently drops a seek for a
      // partition not yet assigned, and the consumer would then start at the end, past the event.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const o of offsets)
          consumer.seek({ topic: config.topic, partition: o.partition, offset: o.offset });
      });
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: config.topic, fromBeginning: false });
        const found = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), timeoutMs);
          void consumer.run({
            eachMessage: async ({ message }) => {
              if (message.value?.toString().includes(recordId)) {
                clearTimeout(timer);
                resolve(true);
              }
            },
          });
        });
        if (!(await found)) {
          return {
            result: "sent-not-verified",
            detail: `not read back within ${timeoutMs / 1000}s (does the reader have Read on the topic and group?)`,
          };
        }
        return { result: "pass", detail: `read RecordId ${recordId} back from ${config.topic}` };
      } finally {
        await consumer.disconnect();
      }
    }),
  );
  return results;
}
