/**
 * A wrong key loses nothing, for every destination, as a user meets it: `keytos-siem send` with
 * 5,000 events and a rejected credential (or a missing log group) stops with exit 3, one message
 * naming the problem, nothing dead-lettered and every event in the spool; the same send on the
 * same spool with the right credential then delivers all 5,000, counted by RecordId where they
 * land (contract servers, moto, kcat on the real broker).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dcrBody } from "../components/azure/dcr";
import { SENTINEL_TABLES } from "../components/azure/tables";
import { sampleStream } from "../components/catalog";
import { KAFKA_CLIENTS } from "../exporter/sinks/kafka/spec";
import { AzureIngestionServer } from "./support/azure-ingestion-server";
import { runCli } from "./support/cli-run";
import { CloudWatchHttpServer } from "./support/cloudwatch-http-server";
import { DatadogIntakeServer } from "./support/datadog-intake-server";
import { FaultServer } from "./support/fault-server";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "./support/kafka-admin";

const { kafka, moto } = inject("services");
const N = 5000;

/** One destination: its send config, the rejected and the right credential, where events land. */
interface Case {
  to: string;
  config: string;
  wrong: NodeJS.ProcessEnv;
  right: NodeJS.ProcessEnv;
  /** The halt reason names the problem and the fix. */
  halted: RegExp;
  /** What the user fixes between the runs, when it is not the environment (e.g. creates the log group). */
  fix?: () => Promise<void>;
  /** RecordIds as the destination stored them. */
  landed: () => Promise<string[]>;
}

async function wrongKeyThenRight(c: Case, seed: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), `keytos-wrong-${c.to}-`));
  const events = [...sampleStream(N, { seed, time: Date.now() / 1000 - 600 })];
  const input = path.join(dir, "events.ndjson");
  writeFileSync(input, `${events.map((e) => JSON.stringify(e)).join("\n")}\n`);
  writeFileSync(path.join(dir, "send.yaml"), c.config);
  const spool = path.join(dir, "spool");
  const send = ["send", "--to", c.to, "--spool", spool, "--config", path.join(dir, "send.yaml"), "--json"];

  const first = await runCli([...send, input], c.wrong);
  expect(first.code, first.stderr).toBe(3);
  const stopped = JSON.parse(first.stdout);
  expect(stopped).toMatchObject({ accepted: N, sent: 0, deadLettered: 0, inSpool: N });
  expect(stopped.halted).toMatch(c.halted);
  expect(first.stderr).toMatch(
    new RegExp(`^keytos-siem: send stopped: .+ Nothing was lost: ${N} events stay in the spool `, "m"),
  );
  // One message (beside a warning a sink prints at start, e.g. Kafka's allowPlaintext).
  expect(first.stderr.split("\n").filter((l) => l.startsWith("keytos-siem:"))).toHaveLength(1);
  expect(existsSync(path.join(spool, `${c.to}.deadletter.ndjson`))).toBe(false);
  for (const [name, secret] of Object.entries(c.wrong)) {
    if (/PASSWORD|TOKEN|KEY$/.test(name)) expect(first.stdout + first.stderr).not.toContain(secret);
  }

  await c.fix?.();
  const second = await runCli(send, c.right);
  expect(second.code, second.stderr).toBe(0);
  expect(JSON.parse(second.stdout)).toMatchObject({ accepted: 0, sent: N, deadLettered: 0, inSpool: 0 });
  const landed = new Set(await c.landed());
  expect(events.filter((e) => !landed.has(e.event.RecordId))).toEqual([]);
}

describe("a wrong key loses nothing: 5,000 events, rejected, then the right key on the same spool", () => {
  it("http: bearer token refused (401)", async () => {
    const server = await new FaultServer().start();
    try {
      await wrongKeyThenRight(
        {
          to: "http",
          config: `http:\n  url: ${server.url}\n`,
          wrong: { KEYTOS_HTTP_TOKEN: "revoked-token-81f2" },
          right: { KEYTOS_HTTP_TOKEN: server.token },
          halted: /^HTTP 401 \(authentication failed: check the bearer token\)/,
          landed: async () => [...server.received.keys()],
        },
        171,
      );
    } finally {
      await server.stop();
    }
  }, 120_000);

  it("datadog: API key refused (403)", async () => {
    const intake = await new DatadogIntakeServer().start();
    try {
      await wrongKeyThenRight(
        {
          to: "datadog",
          config: `datadog:\n  site: datadoghq.com\n  endpoint: ${intake.url}\n`,
          wrong: { DD_API_KEY: "0000000000000000deadbeef00000000" },
          right: { DD_API_KEY: intake.apiKey },
          halted: /^HTTP 403 \(authentication failed: check DD_API_KEY and the site/,
          landed: async () => intake.logs.map((l) => String(l.RecordId)),
        },
        172,
      );
    } finally {
      await intake.stop();
    }
  }, 120_000);

  it("cloudwatch (bearer): API key refused (401)", async () => {
    const server = await new CloudWatchHttpServer().start();
    server.addStream("/keytos/wrong-key", "ezca");
    try {
      await wrongKeyThenRight(
        {
          to: "cloudwatch",
          config: `cloudwatch:\n  region: us-east-1\n  logGroupName: /keytos/wrong-key\n  logStreamName: ezca\n  auth: bearer\n  endpoint: ${server.endpoint}\n`,
          wrong: { KEYTOS_CLOUDWATCH_API_KEY: "ACWL-revoked-0000" },
          right: { KEYTOS_CLOUDWATCH_API_KEY: server.apiKey },
          halted: /^HTTP 401 \(authentication failed: the API key is wrong or expired/,
          landed: async () =>
            server.messages("/keytos/wrong-key", "ezca").map((m) => JSON.parse(m).event.RecordId as string),
        },
        173,
      );
    } finally {
      await server.stop();
    }
  }, 120_000);

  it("cloudwatch (SigV4, moto): the log group does not exist (ResourceNotFound), then it is created", async () => {
    const client = new CloudWatchLogsClient({
      endpoint: moto.endpoint,
      region: moto.region,
      credentials: moto.credentials,
    });
    const logGroupName = `/keytos/wrong-key-${Date.now()}`;
    const aws = {
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    };
    try {
      await wrongKeyThenRight(
        {
          to: "cloudwatch",
          config: `cloudwatch:\n  region: ${moto.region}\n  logGroupName: ${logGroupName}\n  logStreamName: ezca\n  auth: sigv4\n  endpoint: ${moto.endpoint}\n`,
          wrong: aws,
          right: aws,
          halted:
            /^ResourceNotFoundException: .*\(log group "\/keytos\/wrong-key-\d+" or stream "ezca" does not exist in us-east-1/,
          fix: async () => {
            await client.send(new CreateLogGroupCommand({ logGroupName }));
            await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName: "ezca" }));
          },
          landed: async () => {
            const ids: string[] = [];
            let token: string | undefined;
            for (;;) {
              const page = await client.send(
                new GetLogEventsCommand({
                  logGroupName,
                  logStreamName: "ezca",
                  startFromHead: true,
                  nextToken: token,
                }),
              );
              ids.push(...(page.events ?? []).map((e) => JSON.parse(e.message ?? "{}").event.RecordId));
              if (!page.nextForwardToken || page.nextForwardToken === token) return ids;
              token = page.nextForwardToken;
            }
          },
        },
        174,
      );
    } finally {
      client.destroy();
    }
  }, 120_000);

  it("azure: token refused (401)", async () => {
    const dcr = "dcr-0123456789abcdef0123456789abcdef";
    const server = await new AzureIngestionServer({ [dcr]: dcrBody("/subscriptions/x/workspace") }).start();
    try {
      await wrongKeyThenRight(
        {
          to: "azure",
          config: `azure:\n  endpoint: ${server.origin}\n  dcrImmutableId: ${dcr}\n  credential: accessToken\n  caFile: ${server.caFile}\n`,
          wrong: { KEYTOS_AZURE_ACCESS_TOKEN: "eyJ0eXAiOiJKV1QifQ.expired-token" },
          right: { KEYTOS_AZURE_ACCESS_TOKEN: server.token },
          halted:
            /HTTP 401[\s\S]*authentication failed: the sender needs Monitoring Metrics Publisher on the DCR/,
          landed: async () =>
            Object.values(SENTINEL_TABLES).flatMap((t) =>
              server.rows(t.name).map((r) => String(r.RecordId_s)),
            ),
        },
        175,
      );
    } finally {
      await server.stop();
    }
  }, 120_000);

  describe.each(KAFKA_CLIENTS)("kafka on %s (real broker)", (engine) => {
    const topic = `keytos-wrong-key-${engine}-${Date.now()}`;
    const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
    beforeAll(async () => {
      await admin.connect();
      await provisionLikeComponent(admin, testTopicSettings(kafka, topic));
    });
    afterAll(() => admin.disconnect());

    it("SASL authentication fails (wrong password)", async () => {
      const user = (u: { username: string; password: string }) => ({
        KEYTOS_KAFKA_USERNAME: u.username,
        KEYTOS_KAFKA_PASSWORD: u.password,
      });
      await wrongKeyThenRight(
        {
          to: "kafka",
          config: `kafka:\n  bootstrapServers: [${kafka.brokers.join(", ")}]\n  topic: ${topic}\n  allowPlaintext: true\n  client: ${engine}\n`,
          wrong: user(kafka.wrongPassword),
          right: user(kafka.sender),
          halted: new RegExp(
            `^SASL/PLAIN authentication failed for user "${kafka.sender.username}": check the username and password`,
          ),
          // kcat, an independent client, reads what the broker stored.
          landed: async () =>
            execFileSync(
              "kcat",
              [
                ...["-C", "-b", kafka.brokers[0] as string, "-t", topic, "-o", "beginning", "-e", "-q"],
                ...["-f", "%s\\n", "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN"],
                ...[
                  "-X",
                  `sasl.username=${kafka.admin.username}`,
                  "-X",
                  `sasl.password=${kafka.admin.password}`,
                ],
              ],
              { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
            )
              .trim()
              .split("\n")
              .map((line) => JSON.parse(line).event.RecordId as string),
        },
        engine === "kafkajs" ? 176 : 177,
      );
    }, 120_000);
  });
});
