/**
 * The exporter's parts alone: the door (admission), metrics, the batcher's linger, the
 * dispatcher's slots, and the backlog over a real spool in a temporary folder (removed after).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sampleStream } from "../components/catalog";
import { AdmittedEvent, admit, admitLines, type Door } from "../exporter/pipeline/admission";
import { Backlog } from "../exporter/pipeline/backlog";
import { Batcher, type Pending } from "../exporter/pipeline/batcher";
import { Dispatcher } from "../exporter/pipeline/dispatcher";
import { formatSummary, Metrics, type Summary } from "../exporter/pipeline/metrics";
import type { SinkEvent, SinkLimits } from "../exporter/pipeline/sink";

const NOW = Date.parse("2026-01-15T12:00:00Z");
const envs = (n: number, time = NOW / 1000) => [...sampleStream(n, { seed: 21, time })];
const lines = (n: number) => envs(n).map((e) => JSON.stringify(e));

/** A door that counts how often it sizes an event. */
function door(limits: Partial<SinkLimits> = {}): Door & { sized: number } {
  return {
    name: "door",
    limits: { maxEventsPerRequest: 10, maxBytesPerRequest: 1e6, maxBytesPerEvent: 4096, ...limits },
    sized: 0,
    eventBytes(e: SinkEvent) {
      this.sized++;
      return e.json.length + 1;
    },
  };
}

describe("admission", () => {
  it("admits a valid line: spool row and sink event at once, sized once", () => {
    const d = door();
    const [line] = lines(1);
    const row = admit(line as string, d, NOW);
    expect(row).toBeInstanceOf(AdmittedEvent);
    const event = row as AdmittedEvent;
    expect(event.id).toBe(JSON.parse(line as string).event.RecordId);
    expect(event.json).toBe(event.body);
    expect(event.bytes).toBe(Buffer.byteLength(event.body));
    expect(event.size).toBe(event.body.length + 1);
    expect(d.sized).toBe(1);
  });

  it("skips blank lines and words every refusal with its cause", () => {
    const d = door({ maxEventAgeMs: 14 * 86_400_000, maxEventFutureMs: 2 * 3_600_000 });
    const [env] = envs(1);
    const at = (seconds: number) => JSON.stringify({ ...env, time: seconds });
    expect(admit("   ", d, NOW)).toBeUndefined();
    expect(admit("{not json", d, NOW)).toEqual({
      cause: "malformedJson",
      reason: expect.stringMatching(/^not valid JSON: /),
    });
    expect(admit(JSON.stringify({ ...env, source: "Nope" }), d, NOW)).toEqual({
      cause: "invalidEnvelope",
      reason: expect.stringMatching(/^not a valid event envelope: /),
    });
    expect(admit(at(NOW / 1000 - 15 * 86_400), d, NOW)).toEqual({
      cause: "tooOld",
      reason: "event time 2025-12-31T12:00:00.000Z is older than door accepts (336 h)",
    });
    expect(admit(at(NOW / 1000 + 3 * 3600), d, NOW)).toEqual({
      cause: "tooNew",
      reason: "event time 2026-01-15T15:00:00.000Z is further in the future than door accepts (2 h)",
    });
  });

  it("the size limit is inclusive, as the sink counts bytes", () => {
    const [line] = lines(1) as [string];
    const size = (admit(line, door(), NOW) as AdmittedEvent).size;
    expect(admit(line, door({ maxBytesPerEvent: size }), NOW)).toBeInstanceOf(AdmittedEvent);
    expect(admit(line, door({ maxBytesPerEvent: size - 1 }), NOW)).toEqual({
      cause: "tooLarge",
      reason: `event is ${size} bytes; door accepts at most ${size - 1} per event`,
    });
  });

  it("admitLines: chunks bounded by bytes, refusals in line order between them, each chunk says how far it covers", () => {
    const good = lines(3);
    const oneRow = Buffer.byteLength(JSON.stringify(JSON.parse(good[0] as string)));
    const out = [...admitLines([good[0], "oops", good[1], "", good[2]] as string[], door(), oneRow * 2.5)];
    expect(
      out.map((o) => ("line" in o ? `refused ${o.line}` : `chunk of ${o.rows.length} through ${o.through}`)),
    ).toEqual(["refused oops", "chunk of 2 through 4", "chunk of 1 through 5"]);
    const [, first] = out as [unknown, { rows: AdmittedEvent[]; bytes: number }];
    expect(first.bytes).toBe(first.rows.reduce((n, r) => n + r.bytes, 0));
  });
});

describe("metrics", () => {
  it("counts into a summary with the spool's state; halted and lastError only when set", () => {
    const m = new Metrics("http", "/spool/http.deadletter.ndjson");
    m.counts.accepted = 10;
    m.sent([{ bytes: 100 }, { bytes: 50 }]);
    m.request(12);
    m.request(30);
    const s = m.summary({ count: 8, bytes: 800 }, undefined);
    expect(s).toMatchObject({ destination: "http", accepted: 10, sent: 2, bytesSent: 150, requests: 2 });
    expect(s).toMatchObject({ inSpool: 8, spoolBytes: 800, deadLetterFile: "/spool/http.deadletter.ndjson" });
    expect(s.latencyMs.max).toBe(30);
    expect("halted" in s || "lastError" in s || s.deadLettered > 0).toBe(false);
    m.deadLettered("tooOld", 2);
    m.deadLettered("malformedJson");
    const dead = m.summary({ count: 0, bytes: 0 }, undefined);
    expect(dead).toMatchObject({ deadLettered: 3, deadLetters: { tooOld: 2, malformedJson: 1, tooNew: 0 } });
    m.lastError = "HTTP 503";
    expect(m.summary({ count: 0, bytes: 0 }, "HTTP 401")).toMatchObject({
      halted: "HTTP 401",
      lastError: "HTTP 503",
    });
  });

  it("formatSummary: the one-line summary and its tail", () => {
    const s: Summary = {
      destination: "http",
      accepted: 1000,
      sent: 990,
      retried: 7,
      deadLettered: 10,
      deadLetters: {
        ...new Metrics("http", "").deadLetters,
        malformedJson: 5,
        invalidEnvelope: 1,
        rejectedByDestination: 4,
      },
      inSpool: 0,
      spoolBytes: 0,
      bytesSent: 3_145_728,
      requests: 12,
      latencyMs: { p50: 5, p95: 40, max: 90 },
      elapsedMs: 2500,
      eventsPerSecond: 396,
      deadLetterFile: "/s/http.deadletter.ndjson",
    };
    expect(formatSummary(s)).toBe(
      "send to http: accepted 1000, sent 990, retried 7, dead-lettered 10 (malformed JSON 5, invalid envelope 1, rejected by destination 4), in spool 0, " +
        "3.0 MiB in 12 requests, p50 5 ms p95 40 ms, 396 ev/s in 2.5 s\ndead letters: /s/http.deadletter.ndjson",
    );
    expect(formatSummary({ ...s, deadLettered: 0, inSpool: 3, lastError: "HTTP 503" })).toMatch(
      /dead-lettered 0, in spool 3, .*\nlast error: HTTP 503$/,
    );
  });
});

const pending = (n: number, bytes = 10): Pending[] =>
  envs(n).map((env, i) => ({ seq: 1, id: String(i), env, json: "", bytes }));

describe("batcher", () => {
  const limits = { maxEventsPerRequest: 4, maxBytesPerRequest: 1000, maxBytesPerEvent: 100 };

  it("sends full requests at once; a partial one only when told", () => {
    const queue = pending(6);
    const b = new Batcher(queue, limits, 50);
    expect(b.next(false)).toHaveLength(4);
    expect(b.next(false)).toBeUndefined();
    expect(b.next(true)).toHaveLength(2);
    expect(b.next(true)).toBeUndefined();
  });

  it("lingers once at a time; stop() cancels the timer", async () => {
    const b = new Batcher(pending(1), limits, 40);
    const t0 = performance.now();
    const lingering = b.linger();
    expect(lingering).toBeInstanceOf(Promise);
    expect(b.linger()).toBeUndefined(); // already running: its promise has a taker
    await lingering;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    let fired = false;
    void b.linger()?.then(() => (fired = true));
    b.stop();
    await new Promise((r) => setTimeout(r, 80));
    expect(fired).toBe(false);
  });
});

describe("dispatcher", () => {
  it("never runs more jobs than its slots (the sink's cap included)", async () => {
    const d = new Dispatcher(5, 3);
    expect(d.maxInFlight).toBe(3);
    let running = 0;
    let peak = 0;
    let done = 0;
    const job = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 5));
      running--;
      done++;
    };
    for (let started = 0; started < 20; ) {
      while (d.hasSlot && started < 20) {
        void d.run(job);
        started++;
      }
      expect(() => d.run(job)).toThrow(/no free slot/);
      await d.settled();
    }
    await d.idle();
    expect({ peak, done, inFlight: d.inFlight }).toEqual({ peak: 3, done: 20, inFlight: 0 });
  });

  it("reports a job's error instead of leaving it unhandled", async () => {
    const d = new Dispatcher(1);
    expect(await d.run(async () => Promise.reject(new Error("boom")))).toEqual(new Error("boom"));
    expect(await d.run(async () => {})).toBeUndefined();
  });

  it("halt and abort stop new jobs; abort also fires the signal", () => {
    const halted = new Dispatcher(2);
    halted.halt("HTTP 401");
    expect({ stopped: halted.stopped, hasSlot: halted.hasSlot, reason: halted.haltReason }).toEqual({
      stopped: true,
      hasSlot: false,
      reason: "HTTP 401",
    });
    expect(halted.signal.aborted).toBe(false);
    const aborted = new Dispatcher(2);
    aborted.abort();
    expect([aborted.stopped, aborted.signal.aborted, aborted.haltReason]).toEqual([true, true, undefined]);
  });
});

describe("backlog", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (d: Door, maxBytes = 1e6, maxInFlight = 1) => {
    dir = mkdtempSync(path.join(tmpdir(), "keytos-backlog-"));
    return Backlog.open(dir, d, { maxInFlight, maxBytes });
  };
  const rows = (d: Door, n: number) => lines(n).map((l) => admit(l, d, NOW) as AdmittedEvent);
  const total = (r: AdmittedEvent[]) => r.reduce((n, e) => n + e.bytes, 0);

  it("refuses a bound below two of the largest events", () => {
    dir = mkdtempSync(path.join(tmpdir(), "keytos-backlog-"));
    expect(() =>
      Backlog.open(dir, door({ maxBytesPerEvent: 1000 }), { maxInFlight: 1, maxBytes: 1999 }),
    ).toThrow(
      "spoolMaxBytes 1999 is too small: it must hold at least two of the largest events (2000 bytes)",
    );
  });

  it("hands committed events over without reading them back or sizing them again", async () => {
    const d = door();
    const backlog = open(d);
    backlog.refill(); // the spool is empty: the queue has read everything
    const committed = rows(d, 5);
    d.sized = 0;
    await backlog.commit(committed, total(committed));
    expect(backlog.queue.map((q) => q.id)).toEqual(committed.map((r) => r.id));
    expect(backlog.queue[0]?.env).toBe(committed[0]?.env); // parsed at the door, kept
    expect(backlog.queue.map((q) => q.bytes)).toEqual(committed.map((r) => r.size));
    expect(d.sized).toBe(0);
    expect(backlog.drained).toBe(false);
    backlog.release(backlog.queue.splice(0));
    expect([backlog.count, backlog.bytes, backlog.drained]).toEqual([0, 0, true]);
    backlog.close();
  });

  it("a sink that encodes without the envelope gets its shaped form, and the parsed envelope is let go", async () => {
    const d = {
      ...door(),
      needsEnvelope: false,
      eventBytes(e: SinkEvent) {
        e.shaped = `shaped:${e.json}`; // what the sink makes at the door and encodes later
        return e.json.length + 1;
      },
    };
    const backlog = open(d);
    backlog.refill();
    const committed = rows(d, 3);
    await backlog.commit(committed, total(committed));
    expect(backlog.queue.map((q) => q.shaped)).toEqual(committed.map((r) => `shaped:${r.json}`));
    const [queued, admitted] = [backlog.queue[0], committed[0]];
    expect(queued?.env).not.toBe(admitted?.env); // not kept: parsed again from the JSON when read
    expect(queued?.env).toEqual(admitted?.env);
    backlog.close();
  });

  it("events read back from the spool for such a sink are shaped, then hold no parse while they wait", async () => {
    const seen: unknown[] = [];
    const d = {
      ...door(),
      needsEnvelope: false,
      eventBytes(e: SinkEvent) {
        seen.push(e.env); // a sink shaping from the envelope (datadog, azure, kafka) parses it here
        e.shaped = "shaped";
        return e.json.length + 1;
      },
    };
    const backlog = open(d);
    const committed = rows(d, 3);
    await backlog.commit(committed, total(committed)); // not handed over: the queue has not read yet
    seen.length = 0;
    backlog.refill();
    expect(seen).toHaveLength(3);
    const queued = backlog.queue[0];
    expect(queued?.shaped).toBe("shaped");
    expect(queued?.env).not.toBe(seen[0]); // let go after sizing: parsed again only if read
    expect(queued?.env).toEqual(seen[0]);
    backlog.close();
  });

  it("commits keep their order: a small one does not overtake one waiting for room", async () => {
    const all = rows(door(), 9);
    const [a, b, c] = [all.slice(0, 4), all.slice(4, 8), all.slice(8)];
    const largest = Math.max(...all.map((r) => r.size));
    const bound = Math.max(total(a), total(b)) + total(c) + 10; // room for a and c, or b and c: not a and b
    const backlog = open(door({ maxEventsPerRequest: 100, maxBytesPerEvent: largest }), bound);
    backlog.refill();
    await backlog.commit(a, total(a));
    const queuedAt: string[] = [];
    const waiting = [
      backlog.commit(b, total(b), () => queuedAt.push("b")),
      backlog.commit(c, total(c), () => queuedAt.push("c")), // fits now, but b came first
    ];
    await new Promise((r) => setTimeout(r, 20));
    expect(queuedAt).toEqual([]);
    backlog.release(backlog.queue.splice(0, 4));
    await Promise.all(waiting);
    expect(queuedAt).toEqual(["b", "c"]);
    expect(backlog.queue.map((q) => q.id)).toEqual([...b, ...c].map((r) => r.id));
    backlog.close();
  });

  it("the queue's target is bounded by bytes too: large requests do not queue events by the thousand", async () => {
    const d = door({ maxEventsPerRequest: 10_000, maxBytesPerRequest: 2_000 }); // 2 requests: 4,000 bytes
    const backlog = open(d);
    backlog.refill();
    const all = rows(d, 12);
    for (const row of all) await backlog.commit([row], row.bytes); // one at a time
    const queued = backlog.queue.reduce((n, q) => n + q.bytes, 0);
    expect(queued).toBeGreaterThanOrEqual(4_000);
    expect(queued - (backlog.queue.at(-1)?.bytes ?? 0)).toBeLessThan(4_000); // the last one filled it
    expect(backlog.queueFull).toBe(true);
    expect(backlog.count).toBe(12); // the rest waits in the spool
    backlog.close();
  });

  it("beyond its target the queue reads the spool back in order, sizing each event once", async () => {
    const d = door({ maxEventsPerRequest: 2 }); // target: 2 * (1 + 1) = 4
    const backlog = open(d);
    backlog.refill();
    const all = rows(d, 7);
    const [first, later] = [all.slice(0, 4), all.slice(4)];
    await backlog.commit(first, total(first)); // handed over: the queue is at its target now
    await backlog.commit(later, total(later)); // stays on disk
    expect(backlog.queue).toHaveLength(4);
    backlog.release(backlog.queue.splice(0, 3));
    d.sized = 0;
    backlog.refill();
    expect(backlog.queue.map((q) => q.id)).toEqual([first[3]?.id, ...later.map((r) => r.id)]);
    expect(d.sized).toBe(3);
    backlog.close();
  });

  it("a commit waits while the spool is full, resumes on release, and fails once commits are refused", async () => {
    const batch = rows(door(), 6);
    const [a, b, c] = [batch.slice(0, 4), batch.slice(4, 5), batch.slice(5)];
    const largest = Math.max(...batch.map((r) => r.size));
    const bound = total(a) + 10; // room for a, not for a and b
    expect(bound).toBeGreaterThanOrEqual(2 * largest);
    const backlog = open(door({ maxBytesPerEvent: largest }), bound);
    backlog.refill();
    await backlog.commit(a, total(a));
    let resumed = false;
    const waiting = backlog.commit(b, total(b)).then(() => (resumed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(resumed).toBe(false); // back-pressure
    backlog.release(backlog.queue.splice(0, 4));
    await waiting;
    expect(backlog.count).toBe(1);
    const refused = backlog.commit(c, bound).catch((err: Error) => err.message); // cannot fit now
    backlog.refuseCommits();
    expect(await refused).toMatch(/^the spool is full \(\d+ bytes\) and nothing is being delivered/);
    backlog.close();
  });
});
