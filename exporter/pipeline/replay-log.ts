/**
 * Where dead-letter replays stand, kept in the spool's database (table replay_progress, which
 * older spools gain on open) so that a replay step commits in the same transaction as the events
 * it fed back: a crash can never leave those events spooled and the step unrecorded, or the
 * reverse. A step also holds the dead letters of the lines it read (still refused at the door):
 * the spool appends them to the dead-letter file right after the commit, before any other code
 * runs, so they land exactly there, at the file's size at the commit; on open, an append a crash
 * cut short is completed (placeAt), and an append already done is left alone.
 */
import { statSync } from "node:fs";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { placeAt } from "./dead-letter";

/**
 * A replay step: every line of `file` (a moved-aside dead-letter file, by name) before byte
 * `offset` is in the spool or dead-lettered again; `deadLetters` (NDJSON, maybe empty) are those
 * dead-lettered again since the previous step, for `deadLetterFile`.
 */
export interface ReplayStep {
  file: string;
  offset: number;
  deadLetterFile: string;
  deadLetters: string;
}

/** A recorded step, with where its dead letters go (the file's size at the commit); -1 once they are there. */
export interface ReplayRow extends ReplayStep {
  at: number;
}

export class ReplayLog {
  private readonly save: StatementSync;
  private readonly placed: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    db.exec(`CREATE TABLE IF NOT EXISTS replay_progress (
      file TEXT PRIMARY KEY,
      offset INTEGER NOT NULL,
      deadLetterFile TEXT NOT NULL,
      deadLetters TEXT NOT NULL,
      at INTEGER NOT NULL
    )`);
    this.save = db.prepare(
      "INSERT OR REPLACE INTO replay_progress (file, offset, deadLetterFile, deadLetters, at) VALUES (?, ?, ?, ?, ?)",
    );
    this.placed = db.prepare("UPDATE replay_progress SET deadLetters = '', at = -1 WHERE file = ?");
  }

  /** Records a step in the caller's transaction, its dead letters to go at the file's end now. */
  record(step: ReplayStep): ReplayRow {
    const row = { ...step, at: step.deadLetters ? fileSize(step.deadLetterFile) : -1 };
    this.save.run(row.file, row.offset, row.deadLetterFile, row.deadLetters, row.at);
    return row;
  }

  /** After the commit: appends the step's dead letters (or what a crash left out of them). */
  place(row: ReplayRow): void {
    if (row.at < 0) return;
    placeAt(row.deadLetterFile, row.at, row.deadLetters);
    this.placed.run(row.file);
  }

  /** On open: completes the appends a crash may have cut short. */
  recover(): void {
    for (const row of this.rows()) this.place(row);
  }

  /** How far each unfinished replay got: file name -> bytes. */
  progress(): Map<string, number> {
    return new Map(this.rows().map((r) => [r.file, r.offset]));
  }

  /** Forgets a replayed file (call once it is deleted). */
  forget(file: string): void {
    this.db.prepare("DELETE FROM replay_progress WHERE file = ?").run(file);
  }

  private rows(): ReplayRow[] {
    return this.db.prepare("SELECT * FROM replay_progress").all() as unknown as ReplayRow[];
  }
}

/** A file's size in bytes, 0 if it does not exist yet. */
function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
}
