/** The forwarder's commit rule, alone: a partition's commit never passes an event not yet settled. */
import { describe, expect, it } from "vitest";
import { Assignment } from "../exporter/forward/assignment";
import { PartitionLedger } from "../exporter/forward/ledger";
import { RateMeter } from "../exporter/forward/status";

describe("PartitionLedger", () => {
  it("commits up to the last contiguous settled event, not past a gap", () => {
    const l = new PartitionLedger(0, 10);
    for (const o of [10, 11, 12, 13]) l.take(o);
    expect(l.toCommit()).toBeUndefined();
    l.settle(11);
    l.settle(13);
    expect(l.toCommit(), "10 is not settled: nothing may be committed").toBeUndefined();
    l.settle(10);
    expect(l.toCommit(), "10 and 11 settled, 12 not: the next to read is 12").toBe(12);
    l.committed = 12;
    expect(l.toCommit()).toBeUndefined();
    l.settle(12);
    expect(l.toCommit()).toBe(14);
    expect(l.unsettled).toBe(0);
  });

  it("moves past offsets that carry no event (control records, compacted gaps)", () => {
    const l = new PartitionLedger(3, 100);
    l.take(100);
    l.take(105);
    l.movedPast(107); // the batch's last offset was a transaction marker
    l.settle(100);
    expect(l.toCommit()).toBe(105);
    l.settle(105);
    expect(l.toCommit()).toBe(108);
  });

  it("lag is from the last commit (or where reading started) to the end of the partition", () => {
    const l = new PartitionLedger(1, 50);
    l.highWatermark = 80;
    expect(l.lag).toBe(30);
    l.committed = 70;
    expect(l.lag).toBe(10);
  });

  it("holds no more than the unsettled events over a long run", () => {
    const l = new PartitionLedger(0, 0);
    for (let o = 0; o < 100_000; o++) {
      l.take(o);
      l.settle(o);
    }
    expect(l.toCommit()).toBe(100_000);
    expect((l as unknown as { order: number[] }).order.length).toBeLessThan(10_000);
  });
});

describe("Assignment", () => {
  it("commits only what moved, in one request per round; a rewind starts the partition over", async () => {
    const commits: { partition: number; offset: string }[][] = [];
    const a = new Assignment("t", {
      commitOffsets: async (o) => {
        commits.push(o.map(({ partition, offset }) => ({ partition, offset })));
      },
    });
    const l0 = ledger(a.ledgerOf(0, 5));
    const l1 = ledger(a.ledgerOf(1, 0));
    l0.take(5);
    l1.take(0);
    l0.settle(5);
    await a.commit();
    expect(commits).toEqual([[{ partition: 0, offset: "6" }]]);
    await a.commit();
    expect(commits, "nothing moved: no request").toHaveLength(1);
    // The consumer reads partition 0 again from 3 (the group's commit after a reset): a new ledger.
    const again = ledger(a.ledgerOf(0, 3));
    expect(again).not.toBe(l0);
    expect(l0.revoked).toBe(true);
    expect(a.rewinds).toBe(1);
    expect(a.retire()).toEqual([again, l1]);
    expect(a.status()).toEqual([]);
  });

  it("a retired ledger commits only when handed over, never as part of the next generation", async () => {
    const commits: { partition: number; offset: string }[][] = [];
    const a = new Assignment("t", {
      commitOffsets: async (o) => {
        commits.push(o.map(({ partition, offset }) => ({ partition, offset })));
      },
    });
    const l0 = ledger(a.ledgerOf(0, 0));
    for (const o of [0, 1, 2]) l0.take(o);
    l0.settle(0);
    const pending = a.commit(); // queued behind nothing, but its ledgers are read when its turn comes
    a.retire();
    await pending;
    expect(commits, "retired before the commit's turn: not committed").toEqual([]);
    await a.commit([l0]);
    expect(commits).toEqual([[{ partition: 0, offset: "1" }]]);
  });

  it("reading that resumes past what the ledger before left undelivered seeks back to it (never skips it)", () => {
    const a = new Assignment("t", { commitOffsets: async () => {} });
    const l0 = ledger(a.ledgerOf(0, 100));
    for (let o = 100; o < 200; o++) l0.take(o);
    for (let o = 100; o < 150; o++) l0.settle(o); // 150..199 were dropped undelivered at the rebalance
    a.retire();
    a.assigned([0]);
    expect(a.ledgerOf(0, 200)).toEqual({ seekTo: 150 });
    // Read again from there: a ledger of the new generation.
    expect(ledger(a.ledgerOf(0, 150)).startedAt).toBe(150);
    // A partition another member owns meanwhile: its commits are the new owner's, no seek.
    const b = new Assignment("t", { commitOffsets: async () => {} });
    ledger(b.ledgerOf(1, 0)).take(0);
    b.retire();
    b.assigned([2]);
    b.assigned([1]);
    expect(ledger(b.ledgerOf(1, 500)).startedAt).toBe(500);
  });
});

function ledger(l: ReturnType<Assignment["ledgerOf"]>): PartitionLedger {
  if ("seekTo" in l) throw new Error(`expected a ledger, got a seek to ${l.seekTo}`);
  return l;
}

describe("RateMeter", () => {
  it("rates the window, not the whole run", () => {
    const m = new RateMeter(10_000);
    // 1,000 ev/s for 10 s, then idle for 20 s: sampled every second, as the forwarder does.
    for (let t = 0; t <= 10; t++) m.sample(t * 1000, t * 1000);
    expect(m.rate).toBeCloseTo(1000, 0);
    for (let t = 11; t <= 30; t++) m.sample(10_000, t * 1000);
    expect(m.rate).toBe(0);
  });
});
