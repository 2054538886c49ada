/**
 * The HEC contract server refuses what HEC refuses, with HEC's status and code (the sink tests
 * rely on it): auth header forms, envelope rules, channels and acknowledgement, health.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitObjects } from "./support/splunk-hec-body";
import { SplunkHecServer } from "./support/splunk-hec-server";

let hec: SplunkHecServer;
let ack: SplunkHecServer;
beforeAll(async () => {
  hec = await new SplunkHecServer().start();
  ack = await new SplunkHecServer({ useAck: true }).start();
});
afterAll(async () => {
  await hec.stop();
  await ack.stop();
});

const EVENT = {
  time: 1700000000.25,
  host: "h",
  source: "EZCA",
  sourcetype: "EZCA_CAs",
  event: { EventID: 1 },
};

async function post(
  server: SplunkHecServer,
  path: string,
  body: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${server.url}${path}`, { method: "POST", body, headers });
  return { status: res.status, ...((await res.json()) as { code?: number; ackId?: number; acks?: object }) };
}
const splunk = (s: SplunkHecServer) => ({ authorization: `Splunk ${s.token}` });

describe("HEC contract server", () => {
  it("auth header forms: Splunk and basic x:<token> on Splunk's paths, Bearer on LogScale's; the documented refusals", async () => {
    const body = JSON.stringify(EVENT);
    const basic = `Basic ${Buffer.from(`x:${hec.token}`).toString("base64")}`;
    expect(await post(hec, "/services/collector/event", body, splunk(hec))).toMatchObject({
      status: 200,
      code: 0,
    });
    expect(await post(hec, "/services/collector/event", body, { authorization: basic })).toMatchObject({
      code: 0,
    });
    expect(
      await post(hec, "/api/v1/ingest/hec", body, { authorization: `Bearer ${hec.token}` }),
    ).toMatchObject({
      code: 0,
    });
    expect(await post(hec, "/services/collector/event", body)).toMatchObject({ status: 401, code: 2 });
    expect(await post(hec, "/services/collector/event", body, { authorization: hec.token })).toMatchObject({
      status: 401,
      code: 3,
    });
    expect(await post(hec, "/api/v1/ingest/hec", body, splunk(hec))).toMatchObject({ status: 401, code: 3 });
    expect(
      await post(hec, "/services/collector/event", body, { authorization: "Splunk nope" }),
    ).toMatchObject({
      status: 403,
      code: 4,
    });
    expect(await post(hec, `/services/collector/event?token=${hec.token}`, body)).toMatchObject({
      status: 400,
      code: 16,
    });
  });

  it("envelope rules: no data, invalid JSON, time not a number, missing or blank event, unflat fields, an index not allowed", async () => {
    const send = (body: string) => post(hec, "/services/collector/event", body, splunk(hec));
    const one = (over: object) => JSON.stringify({ ...EVENT, ...over });
    const before = hec.indexed.length;
    expect(await send("")).toMatchObject({ status: 400, code: 5 });
    expect(await send(`${one({})}{"time":`)).toMatchObject({
      status: 400,
      code: 6,
      "invalid-event-number": 1,
    });
    expect(await send(one({ time: "1700000000" }))).toMatchObject({ code: 6 });
    expect(await send(one({ event: undefined }))).toMatchObject({ code: 12 });
    expect(await send(one({ event: "  " }))).toMatchObject({ code: 13 });
    expect(await send(one({ event: {} }))).toMatchObject({ code: 13 });
    expect(await send(one({ fields: { a: { b: 1 } } }))).toMatchObject({ code: 15 });
    expect(await send(one({ index: "other" }))).toMatchObject({ code: 7 });
    expect(hec.indexed.length).toBe(before); // a refused request indexes nothing
    expect(await send(`${one({})}\n ${one({ event: "text" })}`)).toMatchObject({ status: 200, code: 0 });
    expect(hec.indexed.slice(-2).map((e) => e.event)).toEqual([{ EventID: 1 }, { _raw: "text" }]);
  });

  it("concatenated objects are split at their own braces, strings and escapes included", () => {
    expect(splitObjects('{"a":"}{\\""}  {"b":{"c":1}}\n')).toEqual(['{"a":"}{\\""}', '{"b":{"c":1}}']);
  });

  it("acknowledgement: a GUID channel on every request (codes 10, 11), ackIds per channel, confirmed once", async () => {
    const body = JSON.stringify(EVENT);
    const channel = randomUUID();
    const other = randomUUID();
    expect(await post(ack, "/services/collector/event", body, splunk(ack))).toMatchObject({
      status: 400,
      code: 10,
    });
    const bad = { ...splunk(ack), "x-splunk-request-channel": "not-a-guid" };
    expect(await post(ack, "/services/collector/event", body, bad)).toMatchObject({ status: 400, code: 11 });
    const on = (c: string) => ({ ...splunk(ack), "x-splunk-request-channel": c });
    expect(await post(ack, "/services/collector/event", body, on(channel))).toMatchObject({
      code: 0,
      ackId: 0,
    });
    expect(await post(ack, "/services/collector/event", body, on(channel))).toMatchObject({ ackId: 1 });
    expect(await post(ack, `/services/collector/event?channel=${other}`, body, splunk(ack))).toMatchObject({
      ackId: 0,
    });
    const query = JSON.stringify({ acks: [0, 1, 7] });
    expect(await post(ack, "/services/collector/ack", query, on(channel))).toEqual({
      status: 200,
      acks: { 0: true, 1: true, 7: false },
    });
    // A confirmed id is forgotten.
    expect((await post(ack, "/services/collector/ack", query, on(channel))).acks).toEqual({
      0: false,
      1: false,
      7: false,
    });
    expect(await post(hec, "/services/collector/ack", query, splunk(hec))).toMatchObject({
      status: 400,
      code: 14,
    });
  });

  it("health: 200 code 17, 503 code 18 while busy", async () => {
    const health = async () => {
      const res = await fetch(`${hec.url}/services/collector/health`);
      return { status: res.status, ...((await res.json()) as object) };
    };
    expect(await health()).toEqual({ status: 200, text: "HEC is healthy", code: 17 });
    hec.busyStorm(1);
    expect(await health()).toMatchObject({ status: 503, code: 18 });
    expect(await post(hec, "/services/collector/event", "{}", splunk(hec))).toMatchObject({
      status: 503,
      code: 9,
    });
  });
});
