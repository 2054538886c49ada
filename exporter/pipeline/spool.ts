/**
 * The durable spool: every accepted event is committed here before it is acknowledged, and
 * removed only once the destination has it (or it was dead-lettered). SQLite through Node's
 * built-in node:sqlite (no native build; as fast as better-sqlite3 was here, see BENCHMARKS.md),
 * WAL journal. An append is written at once and made durable by `durable()`: an fdatasync of the
 * WAL on libuv's thread pool, so the event loop keeps validating the next input while the disk
 * syncs, and one sync covers every append before it. Together that is synchronous=FULL (which
 * syncs the WAL at each commit) with the wait moved off the event loop: SQLite itself runs at
 * NORMAL, which keeps the WAL consistent (synced before checkpoints, header when it is reused).
 * A durable append survives kill -9 and power loss. New spools use 64 KiB pages: a chunk of 1,000
 * events is ten overflow pages instead of 160, half the write system time.
 * One file per destination: <dir>/<destination>.spool.sqlite. Spools written by the former
 * better-sqlite3 code have the same schema and open unchanged.
 *
 * Events are stored in chunks (one row per accepted group, up to ~1,000 events): per-row SQLite
 * work, not bytes, was most of the pipeline's cost. A chunk's row is deleted once every event in
 * it is done; after a crash the undone chunks are sent again whole, which at-least-once allows
 * (receivers de-duplicate by RecordId). A dead-letter replay's progress commits with the events it
 * feeds back (replay-log.ts).
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { joinJson } from "./encode";
import { GroupSync } from "./group-sync";
import { processAlive } from "./process";
import { ReplayLog, type ReplayRow, type ReplayStep } from "./replay-log";

/** Another live sender owns the spool. */
export class SpoolBusyError extends Error {
  override name = "SpoolBusyError";
}

/** One event to store: its id (RecordId), JSON body and size in bytes. */
export interface SpoolEvent {
  id: string;
  body: string;
  bytes: number;
}

/**
 * A stored chunk, as read back: its events not yet done, in the order they were accepted.
 * `first` is the index in the chunk of ids[0] (events before it were done in an earlier run).
 */
export interface SpoolChunk {
  seq: number;
  first: number;
  ids: string[];
  bodies: string[];
}

/** Tests only: `before:N` or `after:N` kills the process (SIGKILL) just before or after its N-th commit. */
const KILL_AT = /^(before|after):(\d+)$/.exec(process.env.KEYTOS_TEST_KILL_AT_COMMIT ?? "");
const killAt = (when: string, commit: number) => {
  if (KILL_AT?.[1] === when && Number(KILL_AT[2]) === commit) process.kill(process.pid, "SIGKILL");
};

interface ChunkRow {
  seq: number;
  done: number;
  ids: string;
  /** UTF-8 bytes (a BLOB) as written now; TEXT in spools written before. */
  bodies: Uint8Array | string;
}

/** A chunk read or written in this run: which of its events are done. */
interface Open {
  flags: Uint8Array;
  /** UTF-8 size of each event. */
  sizes: Uint32Array;
  /** Events done from the start of the chunk, as persisted. */
  prefix: number;
  /** The bytes of those events. */
  prefixBytes: number;
  undone: number;
}

// Ids are UUIDs and bodies compact JSON: neither contains a raw newline.
const SEP = "\n";

export class Spool {
  private readonly db: DatabaseSync;
  private readonly insertChunk: StatementSync;
  private readonly selectAfter: StatementSync;
  private readonly deleteChunks: StatementSync;
  private readonly saveProgress: StatementSync;
  private readonly open = new Map<number, Open>();
  private totalBytes: number;
  private totalCount: number;
  private commits = 0;
  /** The WAL's syncs (SQLite keeps the WAL's inode while the database is open). */
  private readonly wal: GroupSync;
  readonly file: string;
  /** Where dead-letter replays stand. */
  readonly replays: ReplayLog;

  constructor(dir: string, destination: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${destination}.spool.sqlite`);
    this.wal = new GroupSync(`${this.file}-wal`);
    this.db = new DatabaseSync(this.file);
    // page_size applies to a new file only (before WAL mode); an existing spool keeps its own.
    this.db.exec(
      "PRAGMA page_size = 65536; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000",
    );
    this.db.exec(`CREATE TABLE IF NOT EXISTS chunks (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      count INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      done INTEGER NOT NULL DEFAULT 0,
      done_bytes INTEGER NOT NULL DEFAULT 0,
      ids TEXT NOT NULL,
      bodies TEXT NOT NULL
    )`);
    this.insertChunk = this.db.prepare("INSERT INTO chunks (count, bytes, ids, bodies) VALUES (?, ?, ?, ?)");
    this.claim();
    this.migrateEventRows();
    this.replays = new ReplayLog(this.db);
    this.replays.recover();
    const totals = this.db
      .prepare(
        "SELECT coalesce(sum(count - done), 0) AS n, coalesce(sum(bytes - done_bytes), 0) AS b FROM chunks",
      )
      .get() as { n: number; b: number };
    this.totalCount = totals.n;
    this.totalBytes = totals.b;
    this.selectAfter = this.db.prepare(
      "SELECT seq, done, ids, bodies FROM chunks WHERE seq > ? ORDER BY seq LIMIT ?",
    );
    this.deleteChunks = this.db.prepare("DELETE FROM chunks WHERE seq IN (SELECT value FROM json_each(?))");
    this.saveProgress = this.db.prepare("UPDATE chunks SET done = ?, done_bytes = ? WHERE seq = ?");
  }

  private claim(): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS owner (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL)",
    );
    try {
      this.transaction("BEGIN IMMEDIATE", () => {
        const owner = this.db.prepare("SELECT pid, host FROM owner WHERE id = 1").get() as
          | { pid: number; host: string }
          | undefined;
        if (owner && owner.pid !== process.pid && owner.host === hostname() && processAlive(owner.pid)) {
          throw new SpoolBusyError(
            `spool ${this.file} is in use by another keytos-siem send (pid ${owner.pid}); wait for it to finish or use another --spool`,
          );
        }
        this.db
          .prepare("INSERT OR REPLACE INTO owner (id, pid, host) VALUES (1, ?, ?)")
          .run(process.pid, hostname());
      });
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  /**
   * Spools written by 0.1 kept one row per event (table `events`). Their undelivered events move
   * into chunks, in order, in one transaction, so an upgrade loses nothing.
   */
  private migrateEventRows(): void {
    const legacy = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'")
      .get();
    if (!legacy) return;
    const rows = this.db
      .prepare("SELECT id, body, bytes FROM events ORDER BY seq")
      .all() as unknown as SpoolEvent[];
    this.transaction("BEGIN IMMEDIATE", () => {
      for (let i = 0; i < rows.length; i += 1000) this.insertRow(rows.slice(i, i + 1000));
      this.db.exec("DROP TABLE events");
    });
  }

  /** Runs f in one transaction: committed if it returns, rolled back if it throws. */
  private transaction(begin: "BEGIN" | "BEGIN IMMEDIATE", f: () => void): void {
    this.db.exec(begin);
    try {
      f();
      this.db.exec("COMMIT");
    } catch (err) {
      // SQLite may have rolled back already (a full disk, say): only an open transaction is undone.
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw err;
    }
  }

  /** Events waiting in the spool (accepted, not yet delivered or dead-lettered). */
  get count(): number {
    return this.totalCount;
  }

  /** Sum of the stored event sizes, in bytes. */
  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * Commits events as one chunk in one transaction, durable once `durable()` resolves; returns
   * the chunk's sequence number (0 for no events). `handedOver`: the caller keeps the events in
   * memory and will release them without reading the chunk back. Otherwise the chunk is tracked
   * only once read, so a long outage costs no memory per stored chunk. `replay`: a replay step,
   * committed in the same transaction and synced at once (a replay is rare), its dead letters
   * appended right after (replay-log.ts): they must never be on disk before the step is.
   */
  append(
    events: readonly SpoolEvent[],
    { handedOver = true, replay }: { handedOver?: boolean; replay?: ReplayStep } = {},
  ): number {
    let chunk = { seq: 0, bytes: 0 };
    let step: ReplayRow | undefined;
    killAt("before", ++this.commits);
    this.transaction("BEGIN", () => {
      if (events.length > 0) chunk = this.insertRow(events);
      if (replay) step = this.replays.record(replay);
    });
    this.wal.wrote();
    if (step) this.wal.syncNow();
    killAt("after", this.commits);
    if (step) this.replays.place(step);
    if (events.length === 0) return 0;
    const { seq, bytes } = chunk;
    if (handedOver)
      this.open.set(seq, {
        flags: new Uint8Array(events.length),
        sizes: Uint32Array.from(events, (e) => e.bytes),
        prefix: 0,
        prefixBytes: 0,
        undone: events.length,
      });
    this.totalBytes += bytes;
    this.totalCount += events.length;
    return seq;
  }

  /** Resolves once every append made so far is on disk (see GroupSync). */
  durable(): Promise<void> {
    return this.wal.durable();
  }

  /** Inserts one chunk row (in the caller's transaction, if any). */
  private insertRow(events: readonly SpoolEvent[]): { seq: number; bytes: number } {
    let bytes = 0;
    const ids: string[] = [];
    const bodies: string[] = [];
    for (const e of events) {
      bytes += e.bytes;
      ids.push(e.id);
      bodies.push(e.body);
    }
    // The bodies go in as UTF-8 bytes written straight into one buffer: as a joined string they
    // were a large heap object per chunk, each one bringing the next full garbage collection closer.
    const run = this.insertChunk.run(events.length, bytes, ids.join(SEP), joinJson(bodies, "", SEP, ""));
    return { seq: Number(run.lastInsertRowid), bytes };
  }

  /** Up to `limit` chunks after chunk `seq`, oldest first, without their events already done. */
  readAfter(seq: number, limit: number): SpoolChunk[] {
    return (this.selectAfter.all(seq, limit) as unknown as ChunkRow[]).map((row) => {
      const ids = row.ids.split(SEP);
      const text =
        typeof row.bodies === "string"
          ? row.bodies
          : Buffer.from(row.bodies.buffer, row.bodies.byteOffset, row.bodies.byteLength).toString("utf8");
      const bodies = text.split(SEP);
      if (!this.open.has(row.seq)) {
        const sizes = Uint32Array.from(bodies, (b) => Buffer.byteLength(b));
        let prefixBytes = 0;
        for (let i = 0; i < row.done; i++) prefixBytes += sizes[i] as number;
        this.open.set(row.seq, {
          flags: new Uint8Array(ids.length).fill(1, 0, row.done),
          sizes,
          prefix: row.done,
          prefixBytes,
          undone: ids.length - row.done,
        });
      }
      return { seq: row.seq, first: row.done, ids: ids.slice(row.done), bodies: bodies.slice(row.done) };
    });
  }

  /**
   * Marks events done (delivered or dead-lettered), per chunk seq. A chunk whose events are all
   * done is deleted; otherwise the run of done events at its start is saved, so a crash resends
   * only the events after it. Both are committed without a sync of their own (safe against a
   * process crash): if a power loss undoes one, those events are sent again, which at-least-once
   * allows.
   */
  release(done: ReadonlyMap<number, readonly number[]>): void {
    const finished: number[] = [];
    const progressed: [number, Open][] = [];
    for (const [seq, indexes] of done) {
      const open = this.open.get(seq);
      if (!open) throw new Error(`spool chunk ${seq} released but never read or written in this run`);
      for (const index of indexes) {
        if (open.flags[index] === 1) continue; // already done: count it once
        open.flags[index] = 1;
        open.undone--;
        this.totalCount--;
        this.totalBytes -= open.sizes[index] as number;
      }
      if (open.undone === 0) {
        this.open.delete(seq);
        finished.push(seq);
        continue;
      }
      const before = open.prefix;
      while (open.flags[open.prefix] === 1) open.prefixBytes += open.sizes[open.prefix++] as number;
      if (open.prefix > before) progressed.push([seq, open]);
    }
    if (finished.length === 0 && progressed.length === 0) return;
    this.transaction("BEGIN", () => {
      if (finished.length > 0) this.deleteChunks.run(JSON.stringify(finished));
      for (const [seq, open] of progressed) this.saveProgress.run(open.prefix, open.prefixBytes, seq);
    });
  }

  close(): void {
    if (!this.db.isOpen) return;
    this.db.prepare("DELETE FROM owner WHERE id = 1 AND pid = ?").run(process.pid);
    this.db.close();
    this.wal.close();
  }
}
