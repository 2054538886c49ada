/**
 * When the forwarder reads (exporter/forward/reading.ts): the topic pauses at the bound or while
 * the destination fails, resumes at half; a partition far ahead of its commit point is held and
 * released at half its span; nothing resumes once stopping.
 */
import { describe, expect, it } from "vitest";
import { ReadingGate, type ReadingState } from "../exporter/forward/reading";

function gate(maxSpan = 100) {
  const calls: string[] = [];
  const say = (what: string) => (tp: { topic: string; partitions?: number[] }[]) =>
    void calls.push(`${what} ${tp.map((t) => `${t.topic}${t.partitions ? `[${t.partitions}]` : ""}`)}`);
  const g = new ReadingGate({ pause: say("pause"), resume: say("resume") }, "t", maxSpan);
  return { g, calls };
}

const state = (over: Partial<ReadingState> = {}, unsettled: Record<number, number> = {}): ReadingState => ({
  full: false,
  low: false,
  failing: false,
  stopping: false,
  spanning: (n) =>
    Object.entries(unsettled)
      .filter(([, u]) => u >= n)
      .map(([p]) => Number(p)),
  unsettledOf: (p) => unsettled[p] ?? 0,
  ...over,
});

describe("reading gate", () => {
  it("pauses the topic at the bound or while the destination fails, resumes at half, never when stopping", () => {
    const { g, calls } = gate();
    g.update(state({ full: true }));
    expect([g.paused, calls]).toEqual([true, ["pause t"]]);
    g.update(state({ full: false, low: false }));
    expect(calls, "not half empty yet").toEqual(["pause t"]);
    g.update(state({ low: true, failing: true }));
    expect(calls, "the destination still fails").toEqual(["pause t"]);
    g.update(state({ low: true, stopping: true }));
    expect(calls, "stopping").toEqual(["pause t"]);
    g.update(state({ low: true }));
    expect([g.paused, calls.at(-1)]).toEqual([false, "resume t"]);
    g.update(state({ failing: true }));
    expect(calls.at(-1)).toBe("pause t");
  });

  it("holds a partition far ahead of its commit point and releases it at half its span", () => {
    const { g, calls } = gate(100);
    g.update(state({}, { 0: 150, 1: 10 }));
    expect(calls).toEqual(["pause t[0]"]);
    g.update(state({}, { 0: 60, 1: 10 }));
    expect(calls, "still above half").toEqual(["pause t[0]"]);
    g.update(state({}, { 0: 49, 1: 120 }));
    expect(calls.slice(1)).toEqual(["pause t[1]", "resume t[0]"]);
    // Resuming the whole topic resumes its partitions: the holds start over.
    g.update(state({ full: true }, { 1: 120 }));
    g.update(state({ low: true }, {}));
    expect(calls.slice(-2)).toEqual(["pause t", "resume t"]);
  });
});
