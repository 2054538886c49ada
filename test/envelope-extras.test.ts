/**
 * Unknown top-level envelope fields are never silently dropped: for every destination an event
 * with a top-level `meta` object arrives with it (where each destination's shape puts it), and a
 * destination that cannot store one as sent (it would overwrite another field) refuses the event
 * at the door with the reason.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
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
import { Exporter } from "../exporter/pipeline/exporter";
import type { Sink } from "../exporter/pipeline/sink";
import { AzureLogsSink } from "../exporter/sinks/azure";
import { StaticTokenCredential } from "../exporter/sinks/azure/credential";
import { createCloudWatchSink } from "../exporter/sinks/cloudwatch";
import { createDatadogSink } from "../exporter/sinks/datadog";
import { HttpSink } from "../exporter/sinks/http";
import { createKafkaSink } from "../exporter/sinks/kafka";
import { createSplunkSink } from "../exporter/sinks/splunk";
import { AzureIngestionServer } from "./support/azure-ingestion-server";
import { CloudWatchHttpServer } from "./support/cloudwatch-http-server";
import { DatadogIntakeServer } from "./support/datadog-intake-server";
import { FaultServer } from "./support/fault-server";
import { kafkaClient, provisionLikeComponent, testTopicSettings } from "./support/kafka-admin";
import { SplunkHecServer } from "./support/splunk-hec-server";

const { kafka, moto } = inject("services");
const META = { tenant: "contoso", tags: ["pki", "prod"], region: { name: "eu" } };

/** Two events, the first with a top-level `meta` object, as JSON lines. */
function withMeta(seed: number) {
  const [a, b] = [...sampleStream(2, { seed, time: Date.now() / 1000 - 60 })];
  const lines = [JSON.stringify({ ...a, meta: META }), JSON.stringify(b)];
  return { lines, id: a?.event.RecordId as string, other: b?.event.RecordId as string };
}

async function send(sink: Sink, lines: string[]) {
  const exporter = new Exporter(sink, {
    spoolDir: mkdtempSync(path.join(tmpdir(), "keytos-extras-")),
    lingerMs: 10,
  });
  await exporter.acceptMany(lines);
  return exporter.close({ timeoutMs: 30_000 });
}

const deadLetters = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { cause: string; reason: string });

describe("unknown top-level envelope fields reach every destination", () => {
  it("http: the NDJSON line carries meta as sent", async () => {
    const server = await new FaultServer().start();
    try {
      const { lines, id } = withMeta(181);
      const summary = await send(
        new HttpSink({ url: server.url }, { connections: 1, env: { KEYTOS_HTTP_TOKEN: server.token } }),
        lines,
      );
      expect(summary).toMatchObject({ sent: 2, deadLettered: 0 });
      expect(server.events.get(id)?.meta).toEqual(META);
    } finally {
      await server.stop();
    }
  });

  it("cloudwatch (bearer): the stored message is the envelope, meta included", async () => {
    const server = await new CloudWatchHttpServer().start();
    server.addStream("/keytos/extras", "ezca");
    try {
      const { lines, id } = withMeta(182);
      const sink = createCloudWatchSink(
        {
          region: "us-east-1",
          logGroupName: "/keytos/extras",
          logStreamName: "ezca",
          endpoint: server.endpoint,
        },
        { connections: 1, env: { KEYTOS_CLOUDWATCH_API_KEY: server.apiKey } },
      );
      expect(await send(sink, lines)).toMatchObject({ sent: 2, deadLettered: 0 });
      const stored = server.messages("/keytos/extras", "ezca").map((m) => JSON.parse(m));
      expect(stored.find((m) => m.event.RecordId === id)?.meta).toEqual(META);
    } finally {
      await server.stop();
    }
  });

  it("cloudwatch (SigV4, moto): the message read back carries meta", async () => {
    const logGroupName = `/keytos/extras-${Date.now()}`;
    const credentials = moto.credentials;
    const client = new CloudWatchLogsClient({ endpoint: moto.endpoint, region: moto.region, credentials });
    try {
      await client.send(new CreateLogGroupCommand({ logGroupName }));
      await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName: "ezca" }));
      const { lines, id } = withMeta(183);
      const sink = createCloudWatchSink(
        { region: moto.region, logGroupName, logStreamName: "ezca", endpoint: moto.endpoint, auth: "sigv4" },
        { connections: 1, env: {} },
      );
      process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
      expect(await send(sink, lines)).toMatchObject({ sent: 2, deadLettered: 0 });
      const page = await client.send(
        new GetLogEventsCommand({ logGroupName, logStreamName: "ezca", startFromHead: true }),
      );
      const stored = (page.events ?? []).map((e) => JSON.parse(e.message ?? "{}"));
      expect(stored.find((m) => m.event.RecordId === id)?.meta).toEqual(META);
    } finally {
      client.destroy();
    }
  });

  describe("datadog", () => {
    let intake: DatadogIntakeServer;
    beforeAll(async () => {
      intake = await new DatadogIntakeServer().start();
    });
    afterAll(() => intake.stop());
    const sink = () =>
      createDatadogSink(
        { site: "datadoghq.com", endpoint: intake.url },
        { connections: 1, env: { DD_API_KEY: intake.apiKey } },
      );

    it("meta is a log attribute (@meta.tenant), beside the event's", async () => {
      const { lines, id } = withMeta(184);
      expect(await send(sink(), lines)).toMatchObject({ sent: 2, deadLettered: 0 });
      const log = intake.logs.find((l) => l.RecordId === id);
      expect(log?.meta).toEqual(META);
      expect(log?.service).toBe(JSON.parse(lines[0] as string).source);
    });

    it("a top-level field that would overwrite a reserved or an event attribute is refused at the door, with the reason", async () => {
      const [a, b, c] = [...sampleStream(3, { seed: 185, time: Date.now() / 1000 - 60 })];
      const lines = [
        JSON.stringify({ ...a, status: "fine" }),
        JSON.stringify({ ...b, RecordId: "top-level copy" }),
        JSON.stringify(c),
      ];
      const summary = await send(sink(), lines);
      expect(summary).toMatchObject({
        accepted: 1,
        sent: 1,
        deadLettered: 2,
        deadLetters: { invalidEnvelope: 2 },
      });
      expect(deadLetters(summary.deadLetterFile).map((d) => [d.cause, d.reason])).toEqual([
        [
          "invalidEnvelope",
          'datadog cannot store the event as sent: top-level field "status" would overwrite Datadog\'s reserved attribute status: rename it or move it under "event"',
        ],
        [
          "invalidEnvelope",
          'datadog cannot store the event as sent: top-level field "RecordId" would overwrite the event\'s attribute RecordId (both are top-level attributes in Datadog): rename one of them',
        ],
      ]);
    });
  });

  describe("splunk", () => {
    let server: SplunkHecServer;
    beforeAll(async () => {
      server = await new SplunkHecServer().start();
    });
    afterAll(() => server.stop());
    const sink = () =>
      createSplunkSink(
        { hecUrl: server.url, index: "keytos" },
        { connections: 1, env: { SPLUNK_HEC_TOKEN: server.token } },
      );

    it("meta travels inside the HEC event (HEC takes no other top-level key)", async () => {
      const { lines, id } = withMeta(188);
      expect(await send(sink(), lines)).toMatchObject({ sent: 2, deadLettered: 0 });
      const indexed = server.indexed.find((e) => e.event.RecordId === id);
      expect(indexed?.event.meta).toEqual(META);
      expect(indexed?.sourcetype).toBe(JSON.parse(lines[0] as string).sourcetype);
    });

    it("a top-level field named like an event field is refused at the door, with the reason", async () => {
      const [a, b] = [...sampleStream(2, { seed: 189, time: Date.now() / 1000 - 60 })];
      const summary = await send(sink(), [JSON.stringify({ ...a, Summary: "twice" }), JSON.stringify(b)]);
      expect(summary).toMatchObject({ sent: 1, deadLettered: 1, deadLetters: { invalidEnvelope: 1 } });
      expect(deadLetters(summary.deadLetterFile)[0]?.reason).toBe(
        'splunk cannot store the event as sent: top-level field "Summary" would overwrite the event\'s field Summary (HEC keeps extra fields in the event): rename one of them',
      );
    });
  });

  describe("azure", () => {
    const dcr = "dcr-0123456789abcdef0123456789abcdef";
    let server: AzureIngestionServer;
    beforeAll(async () => {
      server = await new AzureIngestionServer({ [dcr]: dcrBody("/subscriptions/x/workspace") }).start();
    });
    afterAll(() => server.stop());
    const sink = () =>
      new AzureLogsSink(
        { endpoint: server.origin, dcrImmutableId: dcr, caFile: server.caFile },
        new StaticTokenCredential(server.token),
      );

    it("meta travels in AdditionalData_s, a declared column", async () => {
      const { lines, id } = withMeta(186);
      expect(await send(sink(), lines)).toMatchObject({ sent: 2, deadLettered: 0 });
      const row = Object.values(SENTINEL_TABLES)
        .flatMap((t) => server.rows(t.name))
        .find((r) => r.RecordId_s === id);
      expect(JSON.parse(String(row?.AdditionalData_s)).meta).toEqual(META);
      expect(server.problems).toEqual([]);
    });

    it("a top-level field named like an event field is refused at the door, with the reason", async () => {
      const [a, b] = [...sampleStream(2, { seed: 187, time: Date.now() / 1000 - 60 })];
      const summary = await send(sink(), [JSON.stringify({ ...a, Summary: "twice" }), JSON.stringify(b)]);
      expect(summary).toMatchObject({ sent: 1, deadLettered: 1, deadLetters: { invalidEnvelope: 1 } });
      expect(deadLetters(summary.deadLetterFile)[0]?.reason).toBe(
        'azure cannot store the event as sent: top-level field "Summary" has the same name as the event field Summary, and both would go to AdditionalData_s: rename one of them',
      );
    });
  });

  describe("kafka (real broker)", () => {
    const topic = `keytos-extras-${Date.now()}`;
    const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
    beforeAll(async () => {
      await admin.connect();
      await provisionLikeComponent(admin, testTopicSettings(kafka, topic, { partitions: 1 }));
    });
    afterAll(() => admin.disconnect());

    it("the record value is the envelope, meta included (read back with kcat)", async () => {
      const { lines, id } = withMeta(188);
      const sink = createKafkaSink(
        { bootstrapServers: kafka.brokers, topic, allowPlaintext: true },
        {
          env: { KEYTOS_KAFKA_USERNAME: kafka.sender.username, KEYTOS_KAFKA_PASSWORD: kafka.sender.password },
        },
      );
      expect(await send(sink, lines)).toMatchObject({ sent: 2, deadLettered: 0 });
      const out = execFileSync(
        "kcat",
        [
          ...[
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
          ],
          ...["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN"],
          ...["-X", `sasl.username=${kafka.admin.username}`, "-X", `sasl.password=${kafka.admin.password}`],
        ],
        { encoding: "utf8", timeout: 30_000 },
      );
      const records = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(records.find((r) => r.event.RecordId === id)?.meta).toEqual(META);
    });
  });
});
