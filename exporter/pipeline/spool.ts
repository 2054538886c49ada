/**
 * The durable spool: every accepted event is committed here before it is acknowledged, and
 * removed only once the destination has it (or it was dead-lettered). SQLite through
 * better-sqlite3, WAL journal, inserts with synchronous=FULL: a committed event survives kill -9
 * and power loss. One file per destination: <dir>/<destination>.spool.sqlite.
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { processAlive } from "./process";

/** Another live sender owns the spool. */
export class SpoolBusyError extends Error {
  override name = "SpoolBusyError";
}

export interface SpoolRow {
  seq: number;
  id: string;
  body: string;
  bytes: number;
}

export class Spool {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, number]>;
  private readonly selectAfter: Database.Statement<[number, number], SpoolRow>;
  private readonly insertMany: (rows: { id: string; body: string; bytes: number }[]) => number[];
  private readonly removeMany: (seqs: readonly number[]) => void;
  private totalBytes: number;
  private totalCount: number;
  readonly file: string;

  constructor(dir: string, destination: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${destination}.spool.sqlite`);
    this.db = new Database(this.file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`CREATE TABLE IF NOT EXISTS events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL,
      body TEXT NOT NULL,
      bytes INTEGER NOT NULL
    )`);
    this.claim();
    const totals = this.db
      .prepare("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM events")
      .get() as {
      n: number;
      b: number;
    };
    this.totalCount = totals.n;
    this.totalBytes = totals.b;
    this.insert = this.db.prepare("INSERT INTO events (id, body, bytes) VALUES (?, ?, ?)");
    this.selectAfter = this.db.prepare(
      "SELECT seq, id, body, bytes FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
    );
    // One statement per batch (json_each), not one per event: the per-call overhead dominated.
    const remove = this.db
      .prepare("DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?)) RETURNING bytes")
      .pluck();
    this.insertMany = this.db.transaction((rows: { id: string; body: string; bytes: number }[]) =>
      rows.map((r) => Number(this.insert.run(r.id, r.body, r.bytes).lastInsertRowid)),
    );
    this.removeMany = (seqs: readonly number[]) => {
      const freed = remove.all(JSON.stringify(seqs)) as number[];
      for (const bytes of freed) this.totalBytes -= bytes;
      this.totalCount -= freed.length;
    };
  }

  private claim(): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS owner (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL)",
    );
    const claim = this.db.transaction(() => {
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
    try {
      claim.immediate();
    } catch (err) {
      this.db.close();
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

  /** Commits rows in one transaction; returns their sequence numbers. */
  append(rows: { id: string; body: string; bytes: number }[]): number[] {
    const seqs = this.insertMany(rows);
    for (const r of rows) this.totalBytes += r.bytes;
    this.totalCount += rows.length;
    return seqs;
  }

  /** Up to `limit` rows after `seq`, oldest first. */
  readAfter(seq: number, limit: number): SpoolRow[] {
    return this.selectAfter.all(seq, limit);
  }

  /**
   * Removes delivered (or dead-lettered) events. Removal is committed without waiting for fsync
   * (synchronous=NORMAL, still safe against a process crash): if a power loss undoes it, the
   * events are sent again, which at-least-once allows; inserts keep synchronous=FULL.
   */
  remove(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.db.pragma("synchronous = NORMAL");
    try {
      this.removeMany(seqs);
    } finally {
      this.db.pragma("synchronous = FULL");
    }
  }

  close(): void {
    if (!this.db.open) return;
    this.db.prepare("DELETE FROM owner WHERE id = 1 AND pid = ?").run(process.pid);
    this.db.close();
  }
}
