/**
 * What the forwarder tests share: test streams with poison lines, producing them with kcat (an
 * independent client), reading a topic back with headers, the group's committed offsets, waiting.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { sampleStream, stableJson } from "../../components/catalog";
import type { KafkaInfo, SaslUser } from "../services/kafka";

/** Valid events, each a line, and their ids. */
export function stream(n: number, seed: number): { lines: string[]; ids: string[] } {
  const events = [...sampleStream(n, { seed, time: Date.now() / 1000 - 60 })];
  return { lines: events.map((e) => stableJson(e)), ids: events.map((e) => e.event.RecordId) };
}

/** Lines that fail validation at the door: malformed JSON and envelopes missing their fields. */
export const poisonLines = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? `{"poison":${i}, not json`
      : JSON.stringify({ poison: i, event: { RecordId: `poison-${i}` } }),
  );

/** Lines spread among the others at fixed places (the stream's order is kept). */
export function mixIn(lines: string[], extra: string[]): string[] {
  const out = [...lines];
  extra.forEach((line, i) => {
    out.splice(Math.floor(((i + 1) * out.length) / (extra.length + 1)), 0, line);
  });
  return out;
}

const saslArgs = (user: SaslUser) => [
  ...["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN"],
  ...["-X", `sasl.username=${user.username}`, "-X", `sasl.password=${user.password}`],
];

/**
 * Produces the lines with kcat as the sender (keyed by line number, so every partition gets its
 * share), each line a record; resolves when kcat has them all acknowledged.
 */
export function produceWithKcat(
  kafka: KafkaInfo,
  topic: string,
  lines: string[],
  dir: string,
): Promise<void> {
  const file = path.join(dir, `kcat-${topic}-${Date.now()}.tsv`);
  writeFileSync(file, `${lines.map((l, i) => `${i}\t${l}`).join("\n")}\n`);
  const args = ["-P", "-b", kafka.brokers[0] as string, "-t", topic, "-K", "\t", "-l", file];
  return new Promise((resolve, reject) => {
    const child = spawn("kcat", [...args, ...saslArgs(kafka.sender), "-X", "acks=all"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${stderr}`)),
    );
  });
}

export interface ReadRecord {
  value: string;
  headers: Record<string, string>;
}

/** Reads a whole topic as the admin (a group of its own), until `expected` records or the timeout. */
export async function readTopic(kafka: KafkaInfo, topic: string, expected: number, timeoutMs = 30_000) {
  const records: ReadRecord[] = [];
  const consumer = new Kafka({
    brokers: kafka.brokers,
    sasl: { mechanism: "plain", ...kafka.admin },
    logLevel: logLevel.NOTHING,
  }).consumer({ groupId: `readback-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        records.push({ value: message.value?.toString() ?? "", headers });
        if (records.length >= expected) {
          clearTimeout(timer);
          setTimeout(resolve, 1000); // a little longer: duplicates show too
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

/** The group's committed offsets and the topic's ends, per partition. */
export async function groupProgress(kafka: KafkaInfo, topic: string, groupId: string) {
  const admin = new Kafka({
    brokers: kafka.brokers,
    sasl: { mechanism: "plain", ...kafka.admin },
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.map((e) => ({
      partition: e.partition,
      end: Number(e.high),
      committed: Number(committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1),
    }));
  } finally {
    await admin.disconnect();
  }
}

/** Polls until `done()` or throws after timeoutMs naming what it waited for. */
export async function waitFor(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
