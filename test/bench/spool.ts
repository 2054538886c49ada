/**
 * The durable spool alone (exporter/pipeline/spool.ts), no sink: commit catalog samples as chunks
 * of 1,000 (the door's groups, one transaction each, awaited until synced) and of 10 (a trickle: fsync-bound),
 * reopen and count, read everything back, release it in the batches a sink would. Each step runs
 * BENCH_SPOOL_ROUNDS times (default 3) on a fresh spool; the table shows the median.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleStream } from "../../components/catalog";
import { Spool, type SpoolEvent } from "../../exporter/pipeline/spool";
import { fmt } from "./http-sinks";
import type { BenchSection } from "./report";

const BATCH = 200; // events per released batch (a sink's request)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function time(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

interface Round {
  append: number;
  trickle: number;
  open: number;
  read: number;
  release: number;
}

async function timeAsync(f: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Each commit waits until it is durable (fsync) before the next, the slowest way to use the spool. */
async function round(events: SpoolEvent[], trickle: SpoolEvent[]): Promise<Round> {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-spool-"));
  try {
    const writer = new Spool(dir, "bench");
    const append = await timeAsync(async () => {
      for (let i = 0; i < events.length; i += 1000) {
        writer.append(events.slice(i, i + 1000));
        await writer.durable();
      }
    });
    writer.close();
    const small = new Spool(dir, "trickle");
    const trickleMs = await timeAsync(async () => {
      for (let i = 0; i < trickle.length; i += 10) {
        small.append(trickle.slice(i, i + 10));
        await small.durable();
      }
    });
    small.close();
    let spool: Spool | undefined;
    const open = time(() => {
      spool = new Spool(dir, "bench");
    });
    const s = spool as Spool;
    if (s.count !== events.length) throw new Error(`spool bench: reopened ${s.count} of ${events.length}`);
    const chunks: { seq: number; n: number }[] = [];
    const read = time(() => {
      let after = 0;
      for (let got = s.readAfter(after, 8); got.length > 0; got = s.readAfter(after, 8)) {
        for (const c of got) chunks.push({ seq: c.seq, n: c.ids.length });
        after = (got.at(-1) as { seq: number }).seq;
      }
    });
    const release = time(() => {
      for (const c of chunks)
        for (let i = 0; i < c.n; i += BATCH)
          s.release(new Map([[c.seq, Array.from({ length: Math.min(BATCH, c.n - i) }, (_, k) => i + k)]]));
    });
    if (s.count !== 0) throw new Error(`spool bench: ${s.count} events left after release`);
    s.close();
    return { append, trickle: trickleMs, open, read, release };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSpool(n: number, rounds: number): Promise<BenchSection> {
  const events = [...sampleStream(n, { seed: 21 })].map((e) => {
    const body = JSON.stringify(e);
    return { id: e.event.RecordId, body, bytes: Buffer.byteLength(body) };
  });
  const trickle = events.slice(0, Math.min(n, 5_000));
  const runs: Round[] = [];
  for (let r = 0; r < rounds; r++) runs.push(await round(events, trickle));
  const m = (k: keyof Round) => median(runs.map((r) => r[k]));
  const rate = (count: number, ms: number) => fmt(Math.round((count / ms) * 1000));
  const avg = Math.round(events.reduce((s, e) => s + e.bytes, 0) / n);
  const row = (step: string, count: number, k: keyof Round, unit: string, per: number) => [
    step,
    fmt(count),
    `${m(k).toFixed(1)} ms`,
    unit === "open" ? "" : rate(count, m(k)),
    `${(m(k) / per).toFixed(3)} ms per ${unit}`,
  ];
  return {
    title: "Spool alone: commit, reopen, read back, release",
    note: `${fmt(n)} catalog samples (~${avg} B) through exporter/pipeline/spool.ts (SQLite, WAL, each commit awaited until durable: fdatasync of the WAL), no sink; median of ${rounds} rounds, each on a fresh spool. Released in batches of ${BATCH} events, as a sink's requests complete.`,
    head: ["step", "events", "median time", "events/s", "cost"],
    rows: [
      row("commit, chunks of 1,000", n, "append", "chunk", n / 1000),
      row("commit, chunks of 10 (trickle)", trickle.length, "trickle", "chunk", trickle.length / 10),
      row("reopen (claim, totals)", n, "open", "open", 1),
      row("read back (8 chunks a call)", n, "read", "chunk", n / 1000),
      row(`release (batches of ${BATCH})`, n, "release", "batch", n / BATCH),
    ],
    figures: {
      "spool.appendEvS": (n / m("append")) * 1000,
      "spool.trickleEvS": (trickle.length / m("trickle")) * 1000,
      "spool.openMs": m("open"),
      "spool.readEvS": (n / m("read")) * 1000,
      "spool.releaseEvS": (n / m("release")) * 1000,
    },
  };
}
