/**
 * The cloudwatch sink on both paths: PutLogEvents against moto (a real AWS emulator), and the
 * bearer HTTP endpoint against a local server enforcing its documented contract. Every event is
 * counted back by RecordId, and the guide's metric-filter patterns match the stored messages.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sampleStream } from "../components/catalog";
import { cloudWatchFilterPattern } from "../components/cloudwatch/alerts";
import { filterPatternMatches } from "../components/cloudwatch/filter-pattern";
import { Exporter } from "../exporter/pipeline/exporter";
import { type CloudWatchSinkConfig, createCloudWatchSink } from "../exporter/sinks/cloudwatch";
import { classifyAwsError, rejectedIndexes } from "../exporter/sinks/cloudwatch/sdk";
import { CloudWatchHttpServer } from "./support/cloudwatch-http-server";

const { moto } = inject("services");
const tmp = () => mkdtempSync(path.join(tmpdir(), "keytos-cw-"));
const recent = (n: number, seed: number) =>
  [...sampleStream(n, { seed, time: Date.now() / 1000 - 600 })].map((e) => JSON.stringify(e));
const idOf = (message: string) => (JSON.parse(message) as { event: { RecordId: string } }).event.RecordId;

async function send(config: CloudWatchSinkConfig, lines: string[], env: NodeJS.ProcessEnv = {}) {
  const exporter = new Exporter(createCloudWatchSink(config, { connections: 2, env }), {
    spoolDir: tmp(),
    lingerMs: 20,
    retry: { initialMs: 10, maxMs: 100, maxElapsedMs: 5000 },
  });
  await exporter.acceptMany(lines);
  return exporter.close({ timeoutMs: 30_000 });
}

describe("cloudwatch sink, SigV4 PutLogEvents (moto)", () => {
  const client = new CloudWatchLogsClient({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: moto.credentials,
  });
  const logGroup = `/keytos/sink-${Date.now()}`;
  const base: CloudWatchSinkConfig = {
    region: moto.region,
    logGroupName: logGroup,
    logStreamName: "ezca",
    endpoint: moto.endpoint,
    auth: "sigv4",
  };

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
    await client.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
    await client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: "ezca" }));
  });
  afterAll(() => client.destroy());

  it("round trip: N events sent, N read back, batches within 1 MiB", async () => {
    const lines = recent(2500, 21);
    const summary = await send(base, lines);
    expect(summary).toMatchObject({ accepted: 2500, sent: 2500, inSpool: 0, deadLettered: 0 });
    expect(summary.requests).toBeGreaterThanOrEqual(2); // ~1.7 MB cannot fit one request
    const messages: string[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await client.send(
        new GetLogEventsCommand({
          logGroupName: logGroup,
          logStreamName: "ezca",
          startFromHead: true,
          nextToken: token,
        }),
      );
      messages.push(...(page.events ?? []).map((e) => e.message ?? ""));
      if (!page.nextForwardToken || page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    const ids = new Set(messages.map(idOf));
    expect(lines.every((l) => ids.has(idOf(l)))).toBe(true);
    const m4888 = messages.find((m) => /"EventID":4888/.test(m)) as string;
    expect(filterPatternMatches(cloudWatchFilterPattern("EZCA", 4888), m4888)).toBe(true);
  });

  it("keytos-siem send --to cloudwatch: config file + AWS environment, exit 0, every event stored", async () => {
    const dir = tmp();
    const file = path.join(dir, "events.ndjson");
    const lines = recent(500, 27);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const config = path.join(dir, "send.yaml");
    writeFileSync(
      config,
      `cloudwatch:\n  logGroup: ${logGroup}\n  logStream: ezca\n  endpoint: ${moto.endpoint}\n`,
    );
    const child = spawn(
      process.execPath,
      [
        path.resolve(__dirname, "../exporter/cli/bin.cjs"),
        "send",
        "--to",
        "cloudwatch",
        "--config",
        config,
        "--spool",
        path.join(dir, "spool"),
        "--json",
        file,
      ],
      { env: { ...process.env, AWS_REGION: moto.region }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    // The file still uses the sender's former field names: accepted, with a warning naming the new ones.
    expect(stderr).toMatch(
      /warning: .*cloudwatch\.logGroup is the former name of cloudwatch\.logGroupName; rename it/,
    );
    expect(JSON.parse(stdout)).toMatchObject({
      destination: "cloudwatch",
      accepted: 500,
      sent: 500,
      inSpool: 0,
    });
  });

  it("a missing log stream halts with a message naming group and stream", async () => {
    const summary = await send({ ...base, logStreamName: "nope" }, recent(10, 22));
    expect(summary.halted).toMatch(
      /ResourceNotFoundException: .*\(log group ".*" or stream "nope" does not exist in us-east-1: create it with the CloudWatch component, or fix logGroupName \/ logStreamName \/ region\)/,
    );
    expect(summary).toMatchObject({ sent: 0, deadLettered: 0, inSpool: 10 });
  });

  it("classifies SDK errors: only invalid events are dead-lettered; credentials and targets stop the run", () => {
    const config = { logGroupName: "/g", logStreamName: "s", region: "eu-west-1" };
    const err = (name: string, status?: number) =>
      Object.assign(
        new Error(`${name} said no`),
        { name },
        status ? { $metadata: { httpStatusCode: status } } : {},
      );
    const kind = (e: Error) => classifyAwsError(e, config).kind;
    expect(kind(err("InvalidParameterException", 400))).toBe("permanent");
    expect(kind(err("ResourceNotFoundException", 400))).toBe("stop");
    expect(kind(err("AccessDeniedException", 400))).toBe("stop");
    expect(kind(err("UnrecognizedClientException", 400))).toBe("stop");
    expect(kind(err("InvalidSignatureException", 403))).toBe("stop");
    expect(kind(err("OperationAbortedException", 400))).toBe("stop"); // not about the events
    expect(kind(err("ThrottlingException", 400))).toBe("retryable");
    expect(kind(err("InternalFailure", 500))).toBe("retryable");
    expect(kind(err("TimeoutError"))).toBe("retryable"); // no answer: network
    expect(kind(err("DataAlreadyAcceptedException", 400))).toBe("ok");
    const none = classifyAwsError(err("CredentialsProviderError"), config);
    expect(none).toMatchObject({ kind: "stop" });
    expect("reason" in none && none.reason).toMatch(
      /^no AWS credentials: .*set AWS_PROFILE or AWS_ACCESS_KEY_ID/,
    );
  });

  it("maps rejectedLogEventsInfo to per-event rejections", () => {
    expect(
      rejectedIndexes({ tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 4 }, 5).map((r) => r.index),
    ).toEqual([0, 1, 4]);
    expect(rejectedIndexes(undefined, 3)).toEqual([]);
  });
});

describe("cloudwatch sink, bearer HTTP ingestion (contract server)", () => {
  let server: CloudWatchHttpServer;
  beforeAll(async () => {
    server = await new CloudWatchHttpServer().start();
    server.addStream("/keytos/ezca", "ezca").addStream("/keytos/off", "ezca", false);
  });
  afterAll(() => server.stop());
  const config = () => ({
    region: "us-east-1",
    logGroupName: "/keytos/ezca",
    logStreamName: "ezca",
    endpoint: server.endpoint,
  });

  it("round trip with the documented headers and limits; the guide's patterns match what is stored", async () => {
    const lines = recent(3000, 23);
    const summary = await send(config(), lines, { KEYTOS_CLOUDWATCH_API_KEY: server.apiKey });
    expect(summary).toMatchObject({ accepted: 3000, sent: 3000, inSpool: 0 });
    const stored = server.messages("/keytos/ezca", "ezca");
    expect(new Set(stored.map(idOf)).size).toBe(3000);
    expect(server.requests.every((r) => r.status === 200 && r.bytes <= 1_048_576)).toBe(true);
    const ezmonitor18 = stored.find((m) => /"VulnerabilityID":18/.test(m)) as string;
    expect(filterPatternMatches(cloudWatchFilterPattern("EZMonitor", 18), ezmonitor18)).toBe(true);
  });

  it("wrong key or bearer auth disabled: halted with the likely cause; the key is never in the reason", async () => {
    const wrong = await send(config(), recent(5, 24), { KEYTOS_CLOUDWATCH_API_KEY: "ACWL-wrong" });
    expect(wrong.halted).toMatch(
      /HTTP 401 \(authentication failed: the API key is wrong or expired, or bearer token authentication is not enabled on the log group; API keys are in preview in some regions only, check that us-east-1 offers them\)/,
    );
    expect(wrong.halted).not.toContain("ACWL-wrong");
    expect(wrong).toMatchObject({ deadLettered: 0, inSpool: 5 });
    const off = await send({ ...config(), logGroupName: "/keytos/off" }, recent(5, 25), {
      KEYTOS_CLOUDWATCH_API_KEY: server.apiKey,
    });
    expect(off.halted).toMatch(/bearer token authentication is not enabled/);
  });

  it("a missing stream is a 404 naming group and stream", async () => {
    const summary = await send({ ...config(), logStreamName: "missing" }, recent(5, 26), {
      KEYTOS_CLOUDWATCH_API_KEY: server.apiKey,
    });
    expect(summary.halted).toMatch(
      /HTTP 404 \(log group "\/keytos\/ezca" or stream "missing" does not exist in us-east-1\)/,
    );
  });

  it("bearer without a key is a configuration error", () => {
    expect(() => createCloudWatchSink({ ...config(), auth: "bearer" }, { connections: 1, env: {} })).toThrow(
      /no API key is set: export KEYTOS_CLOUDWATCH_API_KEY/,
    );
  });
});
