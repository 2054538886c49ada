/** Pure pieces of the pipeline: batch formation, request bodies, backoff, Retry-After, HTTP classification. */
import { describe, expect, it } from "vitest";
import { sampleStream } from "../components/catalog";
import { fillsRequest, type Pending, takeBatch } from "../exporter/pipeline/batcher";
import { joinJson } from "../exporter/pipeline/encode";
import { classifyStatus } from "../exporter/pipeline/http";
import { backoffMs, DEFAULT_RETRY, nextDelayMs, parseRetryAfter } from "../exporter/pipeline/retry";

const pending = (n: number, bytes = 100, spacingS = 1): Pending[] =>
  [...sampleStream(n, { seed: 3 })].map((env, i) => ({
    seq: i + 1,
    id: env.event.RecordId,
    env: { ...env, time: 1_768_478_400 + i * spacingS },
    json: "",
    bytes,
  }));

describe("joinJson", () => {
  const texts = ['{"a":"plain"}', '{"b":"déjà vu, 東京, 🔐"}', '{"c":"\\u2028"}'];
  it("writes NDJSON and JSON arrays byte for byte as a joined string would be, non-ASCII included", () => {
    expect(joinJson(texts, "", "\n", "\n").toString("utf8")).toBe(texts.map((t) => `${t}\n`).join(""));
    expect(joinJson(texts, "[", ",", "]").equals(Buffer.from(`[${texts.join(",")}]`))).toBe(true);
    expect(JSON.parse(joinJson(texts, "[", ",", "]").toString("utf8"))[1].b).toBe("déjà vu, 東京, 🔐");
  });
  it("an empty list is just the brackets", () => {
    expect(joinJson([], "", "\n", "").length).toBe(0);
    expect(joinJson([], "[", ",", "]").toString()).toBe("[]");
  });
});

describe("takeBatch", () => {
  const limits = { maxEventsPerRequest: 10, maxBytesPerRequest: 550, maxBytesPerEvent: 200 };
  it("stops at the count limit, then the byte limit", () => {
    const q = pending(30, 50);
    expect(takeBatch(q, limits)).toHaveLength(10);
    expect(q).toHaveLength(20);
    const big = pending(30, 100);
    expect(takeBatch(big, limits)).toHaveLength(5);
  });
  it("keeps a batch within the time span and sorts it when asked", () => {
    const q = pending(10, 10, 3600);
    expect(takeBatch(q, { ...limits, maxBatchSpanMs: 2 * 3600 * 1000 })).toHaveLength(3);
    const shuffled = pending(5, 10).reverse();
    const sorted = takeBatch(shuffled, { ...limits, sortByTime: true });
    expect(sorted.map((p) => p.env.time)).toEqual([...sorted.map((p) => p.env.time)].sort((a, b) => a - b));
  });
  it("always takes at least one event", () => {
    expect(takeBatch(pending(2, 10_000), limits)).toHaveLength(1);
  });
  it("fillsRequest: by count or by bytes", () => {
    expect(fillsRequest(pending(10, 1), limits)).toBe(true);
    expect(fillsRequest(pending(6, 100), limits)).toBe(true);
    expect(fillsRequest(pending(5, 100), limits)).toBe(false);
  });
});

describe("retry timing", () => {
  it("full jitter stays under an exponentially growing, capped ceiling", () => {
    const policy = { initialMs: 100, maxMs: 1000, maxElapsedMs: 10_000 };
    expect(backoffMs(0, policy, () => 0.999)).toBe(99);
    expect(backoffMs(3, policy, () => 0.999)).toBe(799);
    expect(backoffMs(10, policy, () => 0.999)).toBe(999);
    expect(backoffMs(5, policy, () => 0)).toBe(0);
  });
  it("Retry-After: seconds, HTTP date, garbage, capped at an hour", () => {
    const now = Date.parse("2026-11-22T12:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 12:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("999999", now)).toBe(3_600_000);
  });
  it("the server's Retry-After wins when longer than our backoff", () => {
    expect(nextDelayMs(0, DEFAULT_RETRY, 5000, () => 0.5)).toBe(5000);
    expect(nextDelayMs(0, DEFAULT_RETRY, 1, () => 0.5)).toBe(100);
  });
});

describe("classifyStatus", () => {
  const hints = { auth: "check the API key", notFound: "the log group does not exist" };
  it.each([
    [200, { kind: "ok" }],
    [202, { kind: "ok" }],
    [413, { kind: "too-large" }],
    [429, { kind: "retryable", retryAfterMs: 2000 }],
    [503, { kind: "retryable" }],
    [408, { kind: "retryable" }],
    [502, { kind: "retryable" }],
    [400, { kind: "permanent" }],
    [422, { kind: "permanent" }],
    [401, { kind: "stop", reason: "HTTP 401 (authentication failed: check the API key): nope" }],
    [403, { kind: "stop" }],
    [407, { kind: "stop" }],
    [404, { kind: "stop", reason: "HTTP 404 (the log group does not exist): nope" }],
    [405, { kind: "stop" }],
    [
      415,
      { kind: "stop", reason: "HTTP 415 (the destination refused the request itself, not the events): nope" },
    ],
  ])("HTTP %i", (status, expected) => {
    const headers = status === 429 ? { "retry-after": "2" } : {};
    expect(classifyStatus(status, headers, "nope", hints)).toMatchObject(expected);
  });
});
