/**
 * No library warning reaches a user at run time: `keytos-siem send` as a user runs it, with
 * Node's warnings on, to the real Kafka broker and to CloudWatch (moto) prints no warning line.
 * The ones seen before: kafkajs 2.2.4's TimeoutNegativeWarning on Node 24 (fixed by
 * patches/kafkajs+2.2.4.patch) and the AWS SDK's NodeVersionSupportWarning on Node 20.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sampleStream } from "../components/catalog";
import { KAFKA_CLIENTS } from "../exporter/sinks/kafka/spec";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "./support/kafka-admin";

const BIN = path.resolve(__dirname, "../exporter/cli/bin.cjs");
const { kafka, moto } = inject("services");
const dir = mkdtempSync(path.join(tmpdir(), "keytos-quiet-"));

/** Runs `keytos-siem send --to <to>` on 200 recent events with Node's warnings enabled. */
async function send(to: string, config: string, env: Record<string, string>) {
  const events = path.join(dir, `${to}.ndjson`);
  const lines = [...sampleStream(200, { seed: 61, time: Date.now() / 1000 - 60 })].map((e) =>
    JSON.stringify(e),
  );
  writeFileSync(events, `${lines.join("\n")}\n`);
  const configFile = path.join(dir, `${to}.yaml`);
  writeFileSync(configFile, config);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_NO_WARNINGS; // a user's shell does not hide warnings
  delete childEnv.NODE_OPTIONS;
  const args = ["send", "--to", to, "--config", configFile, "--spool", path.join(dir, `spool-${to}`)];
  const child = spawn(process.execPath, [BIN, ...args, "--json", events], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  // Node prints a process warning as "(node:PID) SomeWarning: ..." plus a --trace-warnings hint.
  // (keytos-siem's own "WARNING: ... allowPlaintext" notice is the user's choice, not a library's.)
  return { code, stdout, warnings: stderr.split("\n").filter((l) => /Warning|--trace-warnings/.test(l)) };
}

describe("no library warning reaches the user", () => {
  const settings = testTopicSettings(kafka, `keytos-quiet-${Date.now()}`, { partitions: 1 });
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  beforeAll(async () => {
    await admin.connect();
    await provisionLikeComponent(admin, settings);
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [settings.topic] });
    await admin.disconnect();
  });

  it.each(KAFKA_CLIENTS)(
    "send --to kafka on %s (real broker): delivered, no warning on stderr",
    async (engine) => {
      const r = await send(
        "kafka",
        `kafka:\n  bootstrapServers: ${JSON.stringify(kafka.brokers)}\n  topic: ${settings.topic}\n  allowPlaintext: true\n  client: ${engine}\n`,
        { KEYTOS_KAFKA_USERNAME: kafka.sender.username, KEYTOS_KAFKA_PASSWORD: kafka.sender.password },
      );
      expect(r.warnings).toEqual([]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ accepted: 200, sent: 200, inSpool: 0 });
    },
  );

  it("send --to cloudwatch (moto): delivered, no warning on stderr", async () => {
    const logGroupName = `/keytos/quiet-${Date.now()}`;
    const aws = {
      AWS_REGION: moto.region,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    };
    const client = new CloudWatchLogsClient({
      endpoint: moto.endpoint,
      region: moto.region,
      credentials: moto.credentials,
    });
    await client.send(new CreateLogGroupCommand({ logGroupName }));
    await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName: "ezca" }));
    client.destroy();
    const r = await send(
      "cloudwatch",
      `cloudwatch:\n  logGroupName: ${logGroupName}\n  logStreamName: ezca\n  endpoint: ${moto.endpoint}\n`,
      aws,
    );
    expect(r.warnings).toEqual([]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ accepted: 200, sent: 200, inSpool: 0 });
  });
});
