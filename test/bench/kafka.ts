/**
 * Kafka: `keytos-siem send --to kafka`'s pipeline (kafkajs, idempotent, acks=all, gzip, one
 * sendBatch per batch) vs kcat (librdkafka, the practical limit) producing the same keyed records
 * to the same broker, into topics created with the component's settings. Target: >= 0.7x kcat.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CompressionTypes, type Message } from "kafkajs";
import { sampleStream, stableJson } from "../../components/catalog";
import { resolveKafkaSettings } from "../../components/kafka/contract";
import { toKafkaRecord } from "../../components/kafka/shape";
import { type Pending, takeBatch } from "../../exporter/pipeline/batcher";
import { Exporter } from "../../exporter/pipeline/exporter";
import type { Sink } from "../../exporter/pipeline/sink";
import { createKafkaSink } from "../../exporter/sinks/kafka";
import type { TestServices } from "../services";
import { kafkaClient, provisionLikeComponent } from "../support/kafka-admin";
import { fmt } from "./http-sinks";
import type { BenchSection } from "./report";
import { benchServices } from "./services";

/**
 * kafkajs with nothing around it: the sink's own records in the sink's own batches (its encode
 * and the pipeline's takeBatch), prebuilt, sent with the sink's settings (idempotent, one in
 * flight, acks=all, gzip). What the client library itself can do on this machine, so the
 * pipeline's own overhead can be read apart from it.
 */
async function kafkajsAlone(
  kafka: TestServices["kafka"],
  topic: string,
  lines: string[],
  sink: Sink,
): Promise<{ rate: number; calls: number }> {
  const producer = kafkaClient(kafka.brokers, kafka.sender).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const queue: Pending[] = lines.map((json, i) => {
    const p: Pending = { seq: 0, id: String(i), env: JSON.parse(json), json, bytes: 0 };
    p.bytes = sink.eventBytes(p);
    return p;
  });
  const batches: Message[][] = [];
  while (queue.length > 0) batches.push(sink.encode(takeBatch(queue, sink.limits)) as Message[]);
  const t0 = performance.now();
  for (const messages of batches) {
    await producer.sendBatch({
      topicMessages: [{ topic, messages }],
      acks: -1,
      compression: CompressionTypes.GZIP,
    });
  }
  const rate = lines.length / ((performance.now() - t0) / 1000);
  await producer.disconnect();
  return { rate, calls: batches.length };
}

export async function benchKafka(n: number): Promise<BenchSection> {
  const { kafka } = await benchServices();
  const lines = [...sampleStream(n, { seed: 7, time: Date.now() / 1000 - 60 })].map((e) => stableJson(e));
  const stamp = Date.now();
  const topics = {
    kcat: `bench-kcat-${stamp}`,
    kafkajs: `bench-kafkajs-${stamp}`,
    pipeline: `bench-pipeline-${stamp}`,
  };
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  await admin.connect();
  for (const topic of Object.values(topics)) {
    await provisionLikeComponent(
      admin,
      resolveKafkaSettings({
        bootstrapServers: kafka.brokers,
        topic,
        partitions: 3,
        replicationFactor: 1,
        senderUsername: kafka.sender.username,
      }),
    );
  }
  await admin.disconnect();
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-kafka-"));
  try {
    // kcat gets the same key and value per record, key and value split by a tab.
    const file = path.join(dir, "records.tsv");
    writeFileSync(
      file,
      `${lines
        .map((l) => {
          const r = toKafkaRecord(JSON.parse(l));
          return `${r.key}\t${r.value}`;
        })
        .join("\n")}\n`,
    );
    const t0 = performance.now();
    execFileSync(
      "kcat",
      [
        "-P",
        "-b",
        kafka.brokers[0] as string,
        "-t",
        topics.kcat,
        "-K",
        "\t",
        "-z",
        "gzip",
        "-l",
        file,
        "-X",
        "security.protocol=SASL_PLAINTEXT",
        "-X",
        "sasl.mechanisms=PLAIN",
        "-X",
        `sasl.username=${kafka.sender.username}`,
        "-X",
        `sasl.password=${kafka.sender.password}`,
        "-X",
        "enable.idempotence=true",
        "-X",
        "acks=all",
      ],
      { stdio: ["ignore", "ignore", "inherit"], timeout: 600_000 },
    );
    const kcatRate = n / ((performance.now() - t0) / 1000);

    const sink = createKafkaSink(
      { bootstrapServers: kafka.brokers, topic: topics.pipeline, allowPlaintext: true },
      { env: { KEYTOS_KAFKA_USERNAME: kafka.sender.username, KEYTOS_KAFKA_PASSWORD: kafka.sender.password } },
    );
    const alone = await kafkajsAlone(kafka, topics.kafkajs, lines, sink);
    const kafkajsRate = alone.rate;
    const exporter = new Exporter(sink, { spoolDir: path.join(dir, "spool"), lingerMs: 5 });
    const t1 = performance.now();
    for (let i = 0; i < lines.length; i += 1000) await exporter.acceptMany(lines.slice(i, i + 1000));
    const summary = await exporter.close({ timeoutMs: 600_000 });
    const pipelineRate = n / ((performance.now() - t1) / 1000);
    if (summary.sent !== n) throw new Error(`kafka bench lost events: ${JSON.stringify(summary)}`);
    const ratio = pipelineRate / kcatRate;
    return {
      title: "Kafka: send --to kafka vs kcat",
      note: `${n} keyed records (~${Math.round(lines.reduce((s, l) => s + l.length, 0) / n)} B) to a 3-partition topic on the local Apache Kafka broker (SASL/PLAIN), both idempotent with acks=all and gzip; kcat reads a prebuilt file.`,
      head: ["producer", "events/s", "ratio", "target"],
      rows: [
        ["kcat (librdkafka)", fmt(kcatRate), "1.00x", ""],
        [
          `kafkajs alone (prebuilt records, ${alone.calls} sendBatch calls)`,
          fmt(kafkajsRate),
          `${(kafkajsRate / kcatRate).toFixed(2)}x`,
          "the client library's own ceiling",
        ],
        [
          `pipeline (${summary.requests} sendBatch calls)`,
          fmt(pipelineRate),
          `${ratio.toFixed(2)}x`,
          ratio >= 0.7 ? "met (>= 0.7x)" : "missed (>= 0.7x)",
        ],
      ],
      figures: { "kafka.vsKcat": ratio, "kafka.kafkajsVsKcat": kafkajsRate / kcatRate },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
