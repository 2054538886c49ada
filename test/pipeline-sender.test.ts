/**
 * The retrying sender alone, against a scripted sink: no spool, no exporter. What it encodes, what
 * it sends, how long it waits, and how each event of a batch is settled.
 */
import { getEventListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sampleStream } from "../components/catalog";
import { Exporter } from "../exporter/pipeline/exporter";
import { Metrics } from "../exporter/pipeline/metrics";
import { RetryingSender, type Run, type SenderOptions, sleep } from "../exporter/pipeline/retrying-sender";
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../exporter/pipeline/sink";

const events = (n: number): SinkEvent[] =>
  [...sampleStream(n, { seed: 11 })].map((env) => ({ env, json: JSON.stringify(env) }));
const ids = (batch: readonly SinkEvent[]) => batch.map((e) => e.env.event.RecordId);

/** A payload the sink can recognise by identity. */
interface Payload {
  ids: string[];
}

/** Answers from a script (then ok), and records every encode and send. */
class ScriptedSink implements Sink<Payload> {
  readonly name = "scripted";
  readonly limits: SinkLimits = { maxEventsPerRequest: 100, maxBytesPerRequest: 1e6, maxBytesPerEvent: 1e4 };
  readonly encoded: string[][] = [];
  readonly sent: { payload: Payload; ids: string[]; at: number }[] = [];
  constructor(private readonly script: (SendOutcome | Error)[] = []) {}
  eventBytes(e: SinkEvent) {
    return e.json.length;
  }
  encode(batch: readonly SinkEvent[]): Payload {
    this.encoded.push(ids(batch));
    return { ids: ids(batch) };
  }
  async send(payload: Payload, batch: readonly SinkEvent[]): Promise<SendOutcome> {
    this.sent.push({ payload, ids: ids(batch), at: performance.now() });
    const next = this.script.shift() ?? { kind: "ok" };
    if (next instanceof Error) throw next;
    return next;
  }
  async close() {}
}

const fast: SenderOptions = { retry: { initialMs: 1, maxMs: 1, maxElapsedMs: 10_000 }, random: () => 0 };

function sender(
  sink: ScriptedSink,
  opts: SenderOptions = fast,
  run: Run = {
    signal: new AbortController().signal,
    stopSignal: new AbortController().signal,
    stopped: false,
  },
) {
  const metrics = new Metrics(sink.name, "unused.ndjson");
  return { s: new RetryingSender<SinkEvent>(sink, run, metrics, opts), metrics };
}

describe("retrying sender: encode once", () => {
  it("encodes a batch once across retryable answers and resends the same payload object", async () => {
    const sink = new ScriptedSink([
      { kind: "retryable", reason: "HTTP 503" },
      { kind: "retryable", reason: "HTTP 429" },
      new Error("socket hang up"),
    ]);
    const { s, metrics } = sender(sink);
    const batch = events(5);
    const settled = await s.send(batch);
    expect(sink.encoded).toHaveLength(1);
    expect(sink.sent).toHaveLength(4);
    for (const req of sink.sent) expect(req.payload).toBe(sink.sent[0]?.payload);
    expect(settled).toEqual({ sent: batch, dead: [], parked: [] });
    expect(metrics.counts).toMatchObject({ requests: 4, retried: 15 });
    expect(metrics.lastError).toBe("request failed: socket hang up"); // a throwing send is retryable
  });

  it("413 on 4 events: encodes exactly the two halves after the whole", async () => {
    const sink = new ScriptedSink([{ kind: "too-large", reason: "HTTP 413" }]);
    const batch = events(4);
    const settled = await sender(sink).s.send(batch);
    expect(sink.encoded).toEqual([ids(batch), ids(batch.slice(0, 2)), ids(batch.slice(2))]);
    expect(settled.sent).toEqual(batch);
  });

  it("413 on a lone event dead-letters it", async () => {
    const sink = new ScriptedSink([{ kind: "too-large", reason: "HTTP 413" }]);
    const [e] = events(1);
    const settled = await sender(sink).s.send([e as SinkEvent]);
    expect(settled).toEqual({
      sent: [],
      dead: [{ event: e, reason: "too large for scripted: HTTP 413", cause: "tooLarge" }],
      parked: [],
    });
  });

  it("partial: delivered and dead settle at once, only the retryable rest is encoded again", async () => {
    const sink = new ScriptedSink([
      {
        kind: "partial",
        rejected: [
          { index: 1, reason: "throttled", retryable: true },
          { index: 2, reason: "bad field", retryable: false },
        ],
      },
    ]);
    const { s, metrics } = sender(sink);
    const [a, b, c, d] = events(4) as [SinkEvent, SinkEvent, SinkEvent, SinkEvent];
    const settled = await s.send([a, b, c, d]);
    expect(sink.encoded).toEqual([ids([a, b, c, d]), ids([b])]);
    expect(settled).toEqual({
      sent: [a, d, b],
      dead: [{ event: c, reason: "rejected by scripted: bad field", cause: "rejectedByDestination" }],
      parked: [],
    });
    expect(metrics.counts.retried).toBe(1);
    expect(metrics.lastError).toBe("1 events rejected by scripted as retryable");
  });
});

describe("retrying sender: settled events are handed over at once", () => {
  it("the accepted part of a partial answer and the first half of a split leave before the rest's retries", async () => {
    const sink = new ScriptedSink([
      { kind: "too-large", reason: "HTTP 413" },
      { kind: "ok" }, // first half
      { kind: "partial", rejected: [{ index: 0, reason: "throttled", retryable: true }] }, // second half
      { kind: "retryable", reason: "HTTP 503" },
    ]);
    const [a, b, c, d] = events(4) as [SinkEvent, SinkEvent, SinkEvent, SinkEvent];
    const handed: { ids: string[]; requestsSoFar: number }[] = [];
    const rest = await sender(sink).s.send([a, b, c, d], (s) =>
      handed.push({ ids: ids(s.sent), requestsSoFar: sink.sent.length }),
    );
    expect(handed).toEqual([
      { ids: ids([a, b]), requestsSoFar: 2 }, // before the second half was even sent
      { ids: ids([d]), requestsSoFar: 3 }, // before c's retries
      { ids: ids([c]), requestsSoFar: 5 },
    ]);
    expect(rest).toEqual({ sent: [], dead: [], parked: [] });
  });

  it("a payload that failed to encode (a rejected promise) is encoded again for the retry", async () => {
    let calls = 0;
    const sink = new ScriptedSink();
    const encode = sink.encode.bind(sink);
    sink.encode = (batch) =>
      ++calls === 1 ? (Promise.reject(new Error("gzip failed")) as never) : encode(batch);
    const send = sink.send.bind(sink);
    sink.send = async (payload, batch) => send(await (payload as unknown as Promise<Payload>), batch);
    const settled = await sender(sink).s.send(events(2));
    expect(calls).toBe(2);
    expect(settled.sent).toHaveLength(2);
  });
});

describe("retrying sender: timing, budget, stop", () => {
  it.each<[string, SendOutcome]>([
    [
      "partial",
      { kind: "partial", rejected: [{ index: 0, reason: "throttled", retryable: true }], retryAfterMs: 150 },
    ],
    ["retryable", { kind: "retryable", reason: "HTTP 429", retryAfterMs: 150 }],
  ])("honours Retry-After on a %s answer", async (_, outcome) => {
    const sink = new ScriptedSink([outcome]);
    await sender(sink).s.send(events(2));
    const [first, second] = sink.sent;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(145);
  });

  it("parks the batch when the retry budget is spent", async () => {
    const sink = new ScriptedSink(
      Array.from({ length: 50 }, () => ({ kind: "retryable", reason: "HTTP 503" }) as const),
    );
    const batch = events(3);
    const { s, metrics } = sender(sink, {
      retry: { initialMs: 20, maxMs: 20, maxElapsedMs: 60 },
      random: () => 0.99,
    });
    const settled = await s.send(batch);
    expect(settled).toEqual({ sent: [], dead: [], parked: batch });
    expect(sink.sent.length).toBeGreaterThanOrEqual(2);
    expect(sink.sent.length).toBeLessThan(6);
    expect(metrics.lastError).toBe("HTTP 503");
  });

  it("a stop answer dead-letters nothing: it parks the batch and the other half of a split, and says why", async () => {
    const sink = new ScriptedSink([
      { kind: "too-large", reason: "HTTP 413" },
      { kind: "stop", reason: "HTTP 401 (authentication failed)" },
    ]);
    const batch = events(4);
    const settled = await sender(sink).s.send(batch);
    expect(sink.sent).toHaveLength(2); // the second half is never sent
    expect(sink.encoded).toHaveLength(2); // nor encoded
    expect(settled).toEqual({
      sent: [],
      dead: [],
      parked: [...batch.slice(0, 2), ...batch.slice(2)],
      stop: "HTTP 401 (authentication failed)",
    });
  });

  it("a permanent rejection (the events condemned) dead-letters them with their cause, and does not stop", async () => {
    const sink = new ScriptedSink([{ kind: "permanent", reason: "HTTP 400" }]);
    const settled = await sender(sink).s.send(events(2));
    expect(settled.dead.map((d) => [d.cause, d.reason])).toEqual([
      ["rejectedByDestination", "rejected by scripted: HTTP 400"],
      ["rejectedByDestination", "rejected by scripted: HTTP 400"],
    ]);
    expect(settled.stop).toBeUndefined();
  });

  it("a halt during a backoff ends the wait at once; the batch is parked", async () => {
    const halt = new AbortController();
    const run = {
      signal: new AbortController().signal,
      stopSignal: halt.signal,
      get stopped() {
        return halt.signal.aborted;
      },
    };
    const sink = new ScriptedSink([{ kind: "retryable", reason: "HTTP 503", retryAfterMs: 60_000 }]);
    const batch = events(2);
    const { s } = sender(sink, { ...fast, retry: { maxElapsedMs: 120_000 } }, run);
    const t0 = performance.now();
    setTimeout(() => halt.abort(), 30);
    expect(await s.send(batch)).toEqual({ sent: [], dead: [], parked: batch });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("a stopped run parks the batch without encoding or sending it", async () => {
    const sink = new ScriptedSink();
    const batch = events(2);
    const { s } = sender(sink, fast, {
      signal: new AbortController().signal,
      stopSignal: new AbortController().signal,
      stopped: true,
    });
    expect(await s.send(batch)).toEqual({ sent: [], dead: [], parked: batch });
    expect(sink.encoded).toHaveLength(0);
  });

  it("an abort during the backoff ends the wait at once; the batch is parked", async () => {
    const abort = new AbortController();
    const run = {
      signal: abort.signal,
      stopSignal: abort.signal,
      get stopped() {
        return abort.signal.aborted;
      },
    };
    const sink = new ScriptedSink([{ kind: "retryable", reason: "HTTP 503", retryAfterMs: 60_000 }]);
    const batch = events(2);
    const { s } = sender(sink, { ...fast, retry: { maxElapsedMs: 120_000 } }, run);
    const t0 = performance.now();
    setTimeout(() => abort.abort(), 30);
    expect(await s.send(batch)).toEqual({ sent: [], dead: [], parked: batch });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25); // it did wait, until the abort
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(sink.sent).toHaveLength(1);
  });

  it("sleep never leaves an abort listener behind on the shared signal", async () => {
    const signal = new AbortController().signal;
    for (let i = 0; i < 20; i++) await sleep(1, signal);
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });
});

describe("retrying sender in the exporter", () => {
  it("each batch is encoded once across retries; a handed-over event is sized once", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "keytos-sender-"));
    try {
      const sink = new ScriptedSink([
        { kind: "retryable", reason: "HTTP 503" },
        { kind: "retryable", reason: "HTTP 503" },
      ]);
      let sized = 0;
      const counting = Object.assign(Object.create(sink), {
        limits: { ...sink.limits, maxEventsPerRequest: 50 },
        eventBytes: (e: SinkEvent) => {
          sized++;
          return sink.eventBytes(e);
        },
      }) as ScriptedSink;
      const exporter = new Exporter(counting, { spoolDir: dir, lingerMs: 5, maxInFlight: 1, ...fast });
      await new Promise((r) => setImmediate(r)); // the first pump finds the spool empty: events are handed over
      await exporter.acceptMany(events(200).map((e) => e.json));
      const summary = await exporter.close();
      expect(summary).toMatchObject({ accepted: 200, sent: 200, retried: 100, requests: 6, inSpool: 0 });
      expect(sink.encoded).toHaveLength(4); // 4 batches of 50, the first sent 3 times
      expect(sized).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
