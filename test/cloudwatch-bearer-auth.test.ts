/**
 * The bearer-authentication dynamic provider, method by method, against a server speaking the
 * CloudWatch Logs JSON protocol (moto does not implement PutBearerTokenAuthentication).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BearerAuthInputs, bearerAuthProvider } from "../components/cloudwatch/bearer-auth";
import { CloudWatchLogsApiServer } from "./support/cloudwatch-logs-api-server";

let api: CloudWatchLogsApiServer;
beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
  process.env.AWS_SECRET_ACCESS_KEY = "secret-example";
  api = await new CloudWatchLogsApiServer().start();
  api.groups.set("/keytos-siem/contoso", false);
});
afterAll(() => api.stop());

const inputs = (over: Partial<BearerAuthInputs> = {}): BearerAuthInputs => ({
  region: "us-east-1",
  logGroupName: "/keytos-siem/contoso",
  enabled: true,
  endpoint: api.endpoint,
  ...over,
});

describe("BearerTokenAuthentication provider", () => {
  it("create enables bearer auth on the group with a signed PutBearerTokenAuthentication", async () => {
    const created = await bearerAuthProvider.create(inputs());
    expect(created.id).toBe("us-east-1:/keytos-siem/contoso");
    expect(api.groups.get("/keytos-siem/contoso")).toBe(true);
    expect(api.calls.at(-1)).toEqual({
      target: "Logs_20140328.PutBearerTokenAuthentication",
      body: { logGroupIdentifier: "/keytos-siem/contoso", bearerTokenAuthenticationEnabled: true },
    });
  });

  it("diff: enabled changes in place; region or group replaces", async () => {
    const diff = bearerAuthProvider.diff as NonNullable<typeof bearerAuthProvider.diff>;
    expect(await diff("id", inputs(), inputs())).toMatchObject({ changes: false, replaces: [] });
    expect(await diff("id", inputs(), inputs({ enabled: false }))).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await diff("id", inputs(), inputs({ logGroupName: "/other" }))).toMatchObject({
      changes: true,
      replaces: ["logGroupName"],
    });
    expect(await diff("id", inputs(), inputs({ region: "eu-west-1" }))).toMatchObject({
      changes: true,
      replaces: ["region"],
    });
  });

  it("update applies the new setting; repeating it is idempotent", async () => {
    const update = bearerAuthProvider.update as NonNullable<typeof bearerAuthProvider.update>;
    await update("id", inputs(), inputs({ enabled: false }));
    await update("id", inputs(), inputs({ enabled: false }));
    expect(api.groups.get("/keytos-siem/contoso")).toBe(false);
  });

  it("delete disables it, and tolerates a log group already deleted", async () => {
    await bearerAuthProvider.create(inputs());
    const del = bearerAuthProvider.delete as NonNullable<typeof bearerAuthProvider.delete>;
    await del("id", inputs());
    expect(api.groups.get("/keytos-siem/contoso")).toBe(false);
    await expect(del("id", inputs({ logGroupName: "/gone" }))).resolves.toBeUndefined();
  });

  it("a missing log group fails create with a clear message", async () => {
    await expect(bearerAuthProvider.create(inputs({ logGroupName: "/missing" }))).rejects.toThrow(
      /enabling bearer token authentication on log group "\/missing" in us-east-1 failed \(the log group does not exist\): ResourceNotFoundException/,
    );
  });
});
