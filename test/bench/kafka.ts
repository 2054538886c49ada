/**
 * Kafka: `keytos-siem send --to kafka` on each engine (kafkajs, librdkafka) against its peers,
 * kcat and @confluentinc/kafka-javascript producing alone, each a process of its own sending the
 * same keyed catalog records to a fresh topic created with the component's settings, idempotent
 * with acks=all and gzip. Timed end to end, from process start to the last record counted at the
 * broker (the topic's end offsets, polled); CPU seconds and peak RSS of the process (GNU time);
 * delivered = the records the topic holds after the run, which must equal the events sent.
 * Contenders interleave round by round; each figure is the median of the rounds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Admin } from "kafkajs";
import { sampleStream, stableJson } from "../../components/catalog";
import { toKafkaRecord } from "../../components/kafka/shape";
import { librdkafkaConf } from "../../exporter/sinks/kafka/librdkafka";
import type { TestServices } from "../services";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "../support/kafka-admin";
import { fmt } from "./http-sinks";
import { ensureKafkaPeers } from "./kafka-peers";
import type { BenchSection } from "./report";
import { benchServices } from "./services";

const BIN = path.resolve(__dirname, "..", "..", "exporter", "cli", "bin.cjs");
const ALONE = path.join(__dirname, "kafka-alone.cjs");

interface Contender {
  name: string;
  /** The command, given the run's fresh topic. */
  command(topic: string): { cmd: string; args: string[]; env?: NodeJS.ProcessEnv };
}

interface Run {
  seconds: number;
  cpu: number;
  rssMiB: number;
  delivered: number;
}

/** Records the topic holds: the sum of its partitions' end offsets (no transactions, no deletes). */
async function countAtBroker(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** Runs one contender under GNU time; polls the topic until it holds n records and the process ended. */
async function measure(c: Contender, topic: string, n: number, admin: Admin, dir: string): Promise<Run> {
  const { cmd, args, env } = c.command(topic);
  const timeFile = path.join(dir, "time.txt");
  const t0 = performance.now();
  const child: ChildProcess = spawn("/usr/bin/time", ["-f", "%U %S %M", "-o", timeFile, cmd, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  let ended: number | null | undefined;
  void exited.then((code) => (ended = code));
  let last: number | undefined;
  while (last === undefined && ended === undefined) {
    if ((await countAtBroker(admin, topic)) >= n) last = performance.now();
    else await new Promise((r) => setTimeout(r, 20));
  }
  const code = await exited;
  last ??= performance.now(); // the process ended first (then the count below decides)
  const delivered = await countAtBroker(admin, topic);
  if (code !== 0) throw new Error(`kafka bench: ${c.name} exited with ${code}: ${stderr.trim()}`);
  if (delivered !== n)
    throw new Error(`kafka bench: ${c.name} delivered ${delivered} records for ${n} events sent`);
  const [user, sys, maxKb] = readFileSync(timeFile, "utf8").trim().split(/\s+/).slice(-3).map(Number);
  return {
    seconds: (last - t0) / 1000,
    cpu: (user ?? 0) + (sys ?? 0),
    rssMiB: (maxKb ?? 0) / 1024,
    delivered,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Writes the inputs every contender reads: NDJSON events (send), key+value (kcat), full records (alone). */
function writeInputs(dir: string, n: number) {
  const lines = [...sampleStream(n, { seed: 7, time: Date.now() / 1000 - 60 })].map((e) => stableJson(e));
  const records = lines.map((l) => toKafkaRecord(JSON.parse(l), l));
  const files = {
    events: path.join(dir, "events.ndjson"),
    kcat: path.join(dir, "kcat.tsv"),
    alone: path.join(dir, "alone.tsv"),
  };
  writeFileSync(files.events, `${lines.join("\n")}\n`);
  writeFileSync(files.kcat, `${records.map((r) => `${r.key}\t${r.value}`).join("\n")}\n`);
  const h = (r: (typeof records)[number]) =>
    [r.headers.source, r.headers.sourcetype, r.headers.event_id, r.headers.record_id].join("\t");
  writeFileSync(
    files.alone,
    `${records.map((r) => `${r.key}\t${r.value}\t${r.timestamp}\t${h(r)}`).join("\n")}\n`,
  );
  return { files, meanBytes: Math.round(lines.reduce((s, l) => s + l.length, 0) / n) };
}

function contenders(
  kafka: TestServices["kafka"],
  dir: string,
  files: ReturnType<typeof writeInputs>["files"],
) {
  const broker = kafka.brokers[0] as string;
  const creds = {
    KEYTOS_KAFKA_USERNAME: kafka.sender.username,
    KEYTOS_KAFKA_PASSWORD: kafka.sender.password,
  };
  const settings = path.join(dir, "librdkafka.json");
  const send = (client: string): Contender => ({
    name: `send --to kafka (${client})`,
    command: (topic) => {
      const config = path.join(dir, `send-${client}.yaml`);
      writeFileSync(
        config,
        `kafka:\n  bootstrapServers: [${broker}]\n  topic: ${topic}\n  allowPlaintext: true\n  client: ${client}\n`,
      );
      const spool = mkdtempSync(path.join(dir, "spool-"));
      return {
        cmd: process.execPath,
        args: [BIN, "send", "--to", "kafka", "--config", config, "--spool", spool, "--json", files.events],
        env: creds,
      };
    },
  });
  return [
    {
      name: "kcat",
      command: (topic: string) => ({
        cmd: "kcat",
        args: [
          ...["-P", "-b", broker, "-t", topic, "-K", "\t", "-z", "gzip", "-l", files.kcat],
          ...["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN"],
          ...["-X", `sasl.username=${kafka.sender.username}`, "-X", `sasl.password=${kafka.sender.password}`],
          ...["-X", "enable.idempotence=true", "-X", "acks=all"],
        ],
      }),
    },
    {
      name: "@confluentinc/kafka-javascript alone",
      command: (topic: string) => {
        const conf = librdkafkaConf(
          { bootstrapServers: kafka.brokers, topic, allowPlaintext: true },
          kafka.sender.username,
          kafka.sender.password,
        );
        writeFileSync(settings, JSON.stringify(conf));
        return { cmd: process.execPath, args: [ALONE, settings, topic, files.alone] };
      },
    },
    send("kafkajs"),
    send("librdkafka"),
  ] satisfies Contender[];
}

export async function benchKafka(n: number, rounds = 3): Promise<BenchSection> {
  const versions = ensureKafkaPeers();
  const { kafka } = await benchServices();
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-kafka-"));
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  await admin.connect();
  try {
    const { files, meanBytes } = writeInputs(dir, n);
    const all = contenders(kafka, dir, files);
    // tsx compiles the CLI once into its cache: every timed `send` starts warm, as a user's second run.
    await new Promise((r) =>
      spawn(process.execPath, [BIN, "send", "--help"], { stdio: "ignore" }).on("exit", r),
    );
    const runs = new Map<string, Run[]>(all.map((c) => [c.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const c of all) {
        const topic = `bench-${c.name.replace(/[^a-z0-9]+/gi, "-")}-${Date.now()}`;
        await provisionLikeComponent(admin, testTopicSettings(kafka, topic));
        const run = await measure(c, topic, n, admin, dir);
        runs.get(c.name)?.push(run);
        await admin.deleteTopics({ topics: [topic] });
        process.stderr.write(`bench: kafka ${c.name}: ${fmt(n / run.seconds)} ev/s\n`);
      }
    }
    const rows = all.map((c) => {
      const r = runs.get(c.name) as Run[];
      const rate = n / median(r.map((x) => x.seconds));
      return {
        name: c.name,
        rate,
        cpu: median(r.map((x) => x.cpu)),
        rss: median(r.map((x) => x.rssMiB)),
        delivered: Math.min(...r.map((x) => x.delivered)),
      };
    });
    const [kcat, alone, kafkajs, librdkafka] = rows as [
      (typeof rows)[number],
      (typeof rows)[number],
      (typeof rows)[number],
      (typeof rows)[number],
    ];
    const spread = (name: string) => {
      const s = (runs.get(name) as Run[]).map((x) => n / x.seconds);
      return `${fmt(Math.min(...s))}-${fmt(Math.max(...s))}`;
    };
    const goal = librdkafka.rate / alone.rate;
    return {
      title: "Kafka: send --to kafka on both engines vs kcat and the librdkafka engine alone",
      note: [
        `${n} keyed catalog records (~${meanBytes} B) per run to a fresh 3-partition topic created with the component's settings on the local Apache Kafka ${kafka.version} broker (SASL/PLAIN over plaintext), every contender idempotent with acks=all and gzip.`,
        `Each contender is its own process, timed from its start to the last record counted at the broker (end offsets polled every 20 ms); CPU = user + system seconds and peak RSS from GNU time; delivered = records in the topic afterwards (must equal ${n}).`,
        `Median of ${rounds} interleaved rounds (range of events/s in brackets).`,
        `Peers: ${versions.kcat} with -X acks=all -X enable.idempotence=true -z gzip -K '\\t' -l <file> (key and value, no headers); ${versions.engine} producing the sink's prebuilt records (key, value, 4 headers, timestamp) with the sink's own settings (librdkafkaConf) and delivery reports polled in the background. send: ${versions.kafkajs} or the engine above, default pipeline settings, the durable spool (fsync per accepted chunk), tsx-compiled CLI warm.`,
        `Goal: send on librdkafka >= 0.8x the engine alone: ${goal.toFixed(2)}x, ${goal >= 0.8 ? "met" : "missed"}.`,
      ].join(" "),
      head: [
        "contender",
        "events/s",
        "events per CPU-second",
        "CPU s",
        "peak RSS",
        "delivered",
        "vs kcat",
        "vs engine alone",
      ],
      rows: rows.map((r) => [
        r.name,
        `${fmt(r.rate)} (${spread(r.name)})`,
        fmt(n / r.cpu),
        r.cpu.toFixed(2),
        `${Math.round(r.rss)} MiB`,
        fmt(r.delivered),
        `${(r.rate / kcat.rate).toFixed(2)}x`,
        `${(r.rate / alone.rate).toFixed(2)}x`,
      ]),
      peer: "kcat",
      figures: {
        "kafka.librdkafkaVsAlone": goal,
        "kafka.librdkafkaVsKcat": librdkafka.rate / kcat.rate,
        "kafka.kafkajsVsKcat": kafkajs.rate / kcat.rate,
        "kafka.kafkajsEventsPerSecond": kafkajs.rate,
      },
    };
  } finally {
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
