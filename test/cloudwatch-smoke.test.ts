/** The CloudWatch smoke check against moto (SigV4 path) and the bearer contract server. */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadPolicy } from "../components/registry";
import { readBackProblem, smokeCloudWatch } from "../exporter/sinks/cloudwatch/smoke";
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

  it("each failure names its cause: no answer (network), a missing group, refused read credentials, an outage", async () => {
    const unreachable = await smokeCloudWatch({
      config: {
        region: "us-east-1",
        logGroupName: logGroup,
        logStreamName: "ezca",
        endpoint: "http://127.0.0.1:1",
        auth: "sigv4",
      },
      env: {},
      rules: [],
    });
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]?.detail).toMatch(
      /^not accepted, a temporary failure \(the service failed or could not be reached\): run smoke again later: network error, no answer from CloudWatch Logs in us-east-1 \(check the region, the endpoint and the network\)/,
    );
    const config = {
      region: "eu-west-1",
      logGroupName: "/g",
      logStreamName: "s",
      endpoint: "http://127.0.0.1:1",
    };
    const aws = (name: string, status?: number) =>
      Object.assign(
        new Error(`${name} message`),
        { name },
        status ? { $metadata: { httpStatusCode: status } } : {},
      );
    expect(readBackProblem(aws("ResourceNotFoundException", 400), config)).toBe(
      'read back (GetLogEvents): HTTP 404, not found: log group "/g" or stream "s" does not exist in eu-west-1 (ResourceNotFoundException: ResourceNotFoundException message)',
    );
    expect(readBackProblem(aws("AccessDeniedException", 400), config)).toMatch(
      /^read back \(GetLogEvents\): HTTP 403, the credential was refused: the AWS credentials that read back need logs:GetLogEvents on \/g/,
    );
    expect(readBackProblem(aws("ServiceUnavailableException", 503), config)).toMatch(
      /^read back \(GetLogEvents\): HTTP 503, the service failed \(not a settings problem\)/,
    );
    expect(
      readBackProblem(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), config),
    ).toMatch(/^read back \(GetLogEvents\): cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(readBackProblem(aws("CredentialsProviderError"), config)).toMatch(
      /no AWS credentials to read with/,
    );
  });
});
