/**
 * The CloudWatch component under Pulumi's unit-test mocks: every resource, name, pattern and
 * alarm setting per rule, the least-privilege policy document, secret outputs, and bad settings
 * failing before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { BEARER_AUTH_TYPE, PLANNED_PROVIDER } from "../components/cloudwatch/bearer-auth";
import { alertsOf, type CompiledAlert } from "../components/policy";
import { loadPolicy } from "../components/registry";
import { compilePolicyText } from "./support/policy";
import { output, type Registered, recordResources } from "./support/pulumi-mocks";

const ACCOUNT = "123456789012";
let registered: Registered[] = [];

beforeAll(async () => {
  registered = await recordResources((args) => {
    if (args.type === "aws:cloudwatch/logGroup:LogGroup") {
      return { arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${args.inputs.name}` };
    }
    if (args.type === "aws:cloudwatch/logStream:LogStream") {
      return {
        arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${args.inputs.logGroupName}:log-stream:${args.inputs.name}`,
      };
    }
    if (args.type === "aws:iam/serviceSpecificCredential:ServiceSpecificCredential") {
      return { serviceCredentialSecret: `ACWL-${args.name}`, serviceSpecificCredentialId: "ACCA-mock-id" };
    }
    if (args.type === "aws:sns/topic:Topic") return { arn: `arn:aws:sns:us-east-1:${ACCOUNT}:${args.name}` };
    return {};
  });
});

const ofType = (type: string) => registered.filter((r) => r.type === type);

async function build(
  settings: Record<string, unknown>,
  rules: readonly CompiledAlert[] = loadPolicy("policies/default.yaml").rules,
) {
  const { CloudWatchDestination } = await import("../components/cloudwatch");
  const c = new CloudWatchDestination("cw", { customer: "contoso", region: "us-east-1", rules, ...settings });
  await output(c.alarmNames);
  return c;
}

describe("CloudWatchDestination (Pulumi mocks)", () => {
  it("creates the log group, stream, sender, API key, bearer auth, and a filter + alarm per rule", async () => {
    registered.length = 0;
    const c = await build({});
    expect(await output(c.bearerAuthEnabled as pulumi.Output<boolean>)).toBe(true); // registered once its provider is serialized
    const count = (t: string) => ofType(t).length;
    expect(count("keytos-siem:cloudwatch:CloudWatchDestination")).toBe(1);
    expect(count("aws:cloudwatch/logGroup:LogGroup")).toBe(1);
    expect(count("aws:cloudwatch/logStream:LogStream")).toBe(1);
    expect(count("aws:iam/user:User")).toBe(1);
    expect(count("aws:iam/userPolicy:UserPolicy")).toBe(1);
    expect(count("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")).toBe(1);
    expect(
      registered.filter((r) => r.type.includes("dynamic") || r.type.includes("BearerTokenAuthentication")),
    ).toHaveLength(1);
    expect(count("aws:cloudwatch/logMetricFilter:LogMetricFilter")).toBe(27);
    expect(count("aws:cloudwatch/metricAlarm:MetricAlarm")).toBe(27);
    // The default policy's one e-mail list: one topic for every alarm, one subscription.
    expect(count("aws:sns/topic:Topic")).toBe(1);
    expect(ofType("aws:sns/topicSubscription:TopicSubscription").map((r) => r.inputs)).toEqual([
      expect.objectContaining({ protocol: "email", endpoint: "secops@example.com" }),
    ]);
    expect(ofType("aws:cloudwatch/logGroup:LogGroup")[0]?.inputs).toMatchObject({
      name: "/keytos-siem/contoso",
      retentionInDays: 365,
    });
    expect(ofType("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")[0]?.inputs).toMatchObject({
      serviceName: "logs.amazonaws.com",
    });
    expect(await output(c.logGroupName)).toBe("/keytos-siem/contoso");
    expect(c.ingestionEndpoint).toBe("https://logs.us-east-1.amazonaws.com");
    expect(await output(c.alarmNames)).toContain("keytos-contoso-ezca-4888");
  });

  it("under `plan` (planOnly) registers the same bearer auth without serializing its provider", async () => {
    const bearerAuth = async (settings: Record<string, unknown>) => {
      registered.length = 0;
      await output((await build(settings)).bearerAuthEnabled as pulumi.Output<boolean>);
      const [only, ...more] = ofType(BEARER_AUTH_TYPE);
      expect(more).toEqual([]);
      const { __provider, ...inputs } = only?.inputs ?? {};
      return { name: only?.name, provider: __provider, inputs };
    };
    const deployed = await bearerAuth({});
    const planned = await bearerAuth({ planOnly: true });
    expect(deployed.provider).toMatch(/PutBearerTokenAuthenticationCommand/); // the provider's code
    expect(planned.provider).toBe(PLANNED_PROVIDER);
    expect(planned.name).toBe(deployed.name);
    expect(planned.inputs).toEqual(deployed.inputs);
    expect(planned.inputs).toMatchObject({
      region: "us-east-1",
      logGroupName: "/keytos-siem/contoso",
      enabled: true,
    });
  });

  it("uses each rule's exact pattern, metric and alarm settings", () => {
    const filter = ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter").find(
      (r) => r.name === "cw-ezca-4888",
    );
    expect(filter?.inputs).toMatchObject({
      pattern: '{ $.event.EventID = 4888 && $.source = "EZCA" }',
      metricTransformation: { name: "EZCA-4888", namespace: "KeytosSIEM", value: "1", unit: "Count" },
    });
    const ezm = ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter").find(
      (r) => r.name === "cw-ezmonitor-18",
    );
    expect(ezm?.inputs.pattern).toBe(
      '{ $.source = "EZMonitor" && $.sourcetype = "EZMonitor_Alerts" && $.event.VulnerabilityID = 18 }',
    );
    const alarm = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (r) => r.name === "cw-ezca-4870-alarm",
    );
    expect(alarm?.inputs).toMatchObject({
      namespace: "KeytosSIEM",
      metricName: "EZCA-4870",
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
  });

  it("grants the sender exactly PutLogEvents + CallWithBearerToken on this group and stream", () => {
    const doc = JSON.parse(String(ofType("aws:iam/userPolicy:UserPolicy")[0]?.inputs.policy));
    expect(doc.Statement).toEqual([
      {
        Action: ["logs:CallWithBearerToken", "logs:PutLogEvents"],
        Effect: "Allow",
        Resource: [
          `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/keytos-siem/contoso`,
          `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/keytos-siem/contoso:log-stream:ezca`,
        ],
        Sid: "SendAuditEventsToThisLogGroupOnly",
      },
    ]);
    expect(JSON.stringify(doc)).not.toContain("*");
  });

  it("the API key is a secret output", async () => {
    const { CloudWatchDestination } = await import("../components/cloudwatch");
    const c = new CloudWatchDestination("cw2", { customer: "fabrikam", region: "eu-west-1", rules: [] });
    expect(c.apiKey).toBeDefined();
    expect(await pulumi.isSecret(c.apiKey as pulumi.Output<string>)).toBe(true);
    expect(await output(c.apiKey as pulumi.Output<string>)).toBe("ACWL-cw2-api-key-primary");
  });

  it("apiKey: false creates no user, key or bearer auth; e-mails share one topic per list", async () => {
    registered.length = 0;
    const rules = compilePolicyText(`version: 1
defaults: { notify: { cloudwatch: { emails: [secops@example.com, pki@example.com] } } }
rules:
  - { name: a, select: { products: [EZCA], ids: [4888, 92] }, severity: high }
  - { name: b, select: { products: [EZCA], ids: [19] }, severity: high, notify: { cloudwatch: { emails: [pki@example.com], topicArns: ["arn:aws:sns:us-east-1:${ACCOUNT}:existing"] } } }
`).rules;
    const c = await build({ apiKey: false }, rules);
    expect(c.apiKey).toBeUndefined();
    expect(ofType("aws:iam/user:User")).toHaveLength(0);
    expect(ofType("aws:sns/topic:Topic")).toHaveLength(2);
    expect(
      ofType("aws:sns/topicSubscription:TopicSubscription")
        .map((s) => s.inputs.endpoint)
        .sort(),
    ).toEqual(["pki@example.com", "pki@example.com", "secops@example.com"]);
    const alarm19 = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (r) => r.name === "cw-ezca-19-alarm",
    );
    expect(alarm19?.inputs.alarmActions).toHaveLength(2);
    expect(alarm19?.inputs.alarmActions).toContain(`arn:aws:sns:us-east-1:${ACCOUNT}:existing`);
  });

  it("bad settings fail with every problem named, before any resource is registered", async () => {
    registered.length = 0;
    const { CloudWatchDestination } = await import("../components/cloudwatch");
    expect(
      () =>
        new CloudWatchDestination("bad", {
          customer: "contoso",
          region: "us-east-9",
          logGroupName: "",
          retentionInDays: 10,
          rules: [],
        }),
    ).toThrow(
      /region "us-east-9" is not an AWS region[\s\S]*logGroupName "" must be 1-512 characters[\s\S]*retentionInDays 10 is not accepted by CloudWatch; use one of 1, 3, 5, 7, 14/,
    );
    expect(registered).toHaveLength(0);
  });

  it("rotation: two labelled keys, the newest is apiKey, both in the secret apiKeys map", async () => {
    registered.length = 0;
    const { CloudWatchDestination } = await import("../components/cloudwatch");
    const c = new CloudWatchDestination("rot", {
      customer: "contoso",
      region: "us-east-1",
      rules: [],
      apiKeyLabels: ["a", "b"],
    });
    expect(await output(c.apiKey as pulumi.Output<string>)).toBe("ACWL-rot-api-key-b");
    expect(await output(c.apiKeys as pulumi.Output<Record<string, string>>)).toEqual({
      a: "ACWL-rot-api-key-a",
      b: "ACWL-rot-api-key-b",
    });
    expect(await pulumi.isSecret(c.apiKeys as pulumi.Output<Record<string, string>>)).toBe(true);
    expect(ofType("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")).toHaveLength(2);
    expect(
      () =>
        new CloudWatchDestination("rot3", {
          customer: "c",
          region: "us-east-1",
          rules: [],
          apiKeyLabels: ["a", "b", "c"],
        }),
    ).toThrow(/apiKeyLabels \["a","b","c"\] must be one or two distinct labels/);
  });

  it("an encrypted group also grants the key, only via CloudWatch Logs and only for this group", async () => {
    registered.length = 0;
    const kms = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const c = await build({ kmsKeyArn: kms }, []);
    await output(c.bearerAuthEnabled as pulumi.Output<boolean>); // registered after the policy's inputs resolve
    for (let i = 0; i < 100 && ofType("aws:iam/userPolicy:UserPolicy").length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const doc = JSON.parse(String(ofType("aws:iam/userPolicy:UserPolicy")[0]?.inputs.policy));
    expect(doc.Statement[1]).toEqual({
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Condition: {
        ArnEquals: {
          "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/keytos-siem/contoso`,
        },
        StringEquals: { "kms:ViaService": "logs.us-east-1.amazonaws.com" },
      },
      Effect: "Allow",
      Resource: kms,
      Sid: "UseThisLogGroupsKeyThroughCloudWatchLogsOnly",
    });
    expect(ofType("aws:cloudwatch/logGroup:LogGroup")[0]?.inputs.kmsKeyId).toBe(kms);
  });
  it("deploys each custom detection as a metric filter + alarm named after the detection (stable)", async () => {
    registered.length = 0;
    const policy = loadPolicy("policies/with-detections.yaml");
    const c = await build({ apiKey: false }, alertsOf(policy));
    const burst = policy.detections?.find((d) => d.name === "revocation-burst");
    const filter = ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter").find(
      (r) => r.name === "cw-detection-revocation-burst",
    );
    expect(filter?.inputs).toMatchObject({
      name: "keytos-detection-revocation-burst",
      pattern: '{ ($.source = "EZCA" && $.event.EventID = 4870) }',
      metricTransformation: { name: "detection-revocation-burst", namespace: "KeytosSIEM", value: "1" },
    });
    expect(filter?.inputs.pattern).toBe(burst?.queries.cloudwatch);
    const alarm = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (r) => r.name === "cw-detection-revocation-burst-alarm",
    );
    expect(alarm?.inputs).toMatchObject({
      name: "keytos-contoso-detection-revocation-burst",
      metricName: "detection-revocation-burst",
      period: 3600,
      threshold: 5,
      comparisonOperator: "GreaterThanThreshold",
      tags: { detection: "revocation-burst", severity: "medium" },
    });
    expect(String(alarm?.inputs.alarmDescription)).toMatch(
      /^Detection revocation-burst \(policy detection\)/,
    );
    // The detection CloudWatch cannot express is not deployed there; 27 events + 1 detection are.
    expect(ofType("aws:cloudwatch/metricAlarm:MetricAlarm")).toHaveLength(28);
    expect(registered.some((r) => r.name.includes("web-cert-outside-admins"))).toBe(false);
    expect(await output(c.alarmNames)).toContain("keytos-contoso-detection-revocation-burst");
  });
});
