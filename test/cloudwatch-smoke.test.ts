/** The CloudWatch smoke check against moto (SigV4 path) and the bearer contract server. */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadPolicy } from "../components/registry";
import { smokeCloudWatch } from "../exporter/sinks/cloudwatch/smoke";
import { CloudWatchHttpServer } from "./support/cloudwatch-http-server";

const { moto } = inject("services");
const rules = loadPolicy("policies/default.yaml").rules;

describe("cloudwatch smoke check", () => {
  const logGroup = `/keytos/smoke-${Date.now()}`;
  let bearer: CloudWatchHttpServer;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
    const client = new CloudWatchLogsClient({ endpoint: moto.endpoint, region: moto.region });
    await client.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
    await client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: "ezca" }));
    client.destroy();
    bearer = await new CloudWatchHttpServer().start();
    bearer.addStream(logGroup, "ezca");
  });
  afterAll(() => bearer.stop());

  it("SigV4: sends, reads the tagged event back, checks every alarm pattern (evaluator where TestMetricFilter is missing)", async () => {
    const results = await smokeCloudWatch({
      config: {
        region: moto.region,
        logGroupName: logGroup,
        logStreamName: "ezca",
        endpoint: moto.endpoint,
        auth: "sigv4",
      },
      env: {},
      rules,
      patienceMs: 10_000,
      pollMs: 200,
    });
    expect(results.map((r) => [r.check, r.result])).toEqual([
      ["send test event", "pass"],
      ["read test event back", "pass"],
      ...rules.map((r) => [`alarm pattern ${r.key}`, "pass"]),
    ]);
    expect(results[2]?.detail).toMatch(/checked with the local evaluator \(TestMetricFilter unavailable: /);
  });

  it("bearer without read-back: sent, not verified — never reported as a pass", async () => {
    const results = await smokeCloudWatch({
      config: {
        region: "us-east-1",
        logGroupName: logGroup,
        logStreamName: "ezca",
        endpoint: bearer.endpoint,
      },
      env: { KEYTOS_CLOUDWATCH_API_KEY: bearer.apiKey },
      rules: [],
      readBack: false,
    });
    expect(results.map((r) => r.result)).toEqual(["pass", "sent-not-verified"]);
    expect(bearer.messages(logGroup, "ezca").some((m) => m.includes("keytos-siem smoke test"))).toBe(true);
  });

  it("a missing stream fails the send check with the cause and skips read-back", async () => {
    const results = await smokeCloudWatch({
      config: {
        region: moto.region,
        logGroupName: logGroup,
        logStreamName: "missing",
        endpoint: moto.endpoint,
        auth: "sigv4",
      },
      env: {},
      rules: [],
    });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ check: "send test event", result: "fail" });
    expect(results[0]?.detail).toMatch(/does not exist/);
  });
});
