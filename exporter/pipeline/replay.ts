/**
 * Replaying dead letters once their cause is fixed, each exactly once, even across a crash.
 *
 * The dead-letter file is first moved aside in one atomic rename, so lines dead-lettered again
 * during the replay start a fresh file and a replayed line is never read twice. Lines go back
 * through the door in steps; each spool commit records, in the same SQLite transaction as the
 * events it accepted, how far into the moved file the step reached and the step's lines refused
 * again (replay-log.ts). Those are appended to the fresh dead-letter file right after the commit,
 * at the offset the commit noted, before anything else can write there; an append a crash cut
 * short is completed when the spool next opens. (Appended before the commit instead, they would
 * be written again when a crash undid the commit, and could not be told apart from the dead
 * letters written since, to truncate them.) So after a kill -9 at any instant a line is
 * either in the spool or dead-lettered again, once: never both, never twice, never lost. A replay
 * cut short (crash, kill, a full spool) resumes from the last commit on the next replay. The
 * moved file is deleted once every line in it is done, and only then its record.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import path from "node:path";
import { SpoolFullError } from "./backlog";
import type { ReplaySpan } from "./exporter";
import type { ReplayLog } from "./replay-log";

/** What a replay did with one moved-aside file. */
export interface ReplayCounts {
  /** Lines fed back to the door. */
  lines: number;
  /** Back in the spool. */
  accepted: number;
  /** Set aside again, with their new reason. */
  deadLettered: number;
}

/** What a replay needs of the exporter (Exporter has it). */
export interface ReplayTarget {
  readonly deadLetterFile: string;
  /** Resolves once each line is committed to the spool or dead-lettered, with the span's progress. */
  acceptMany(
    lines: readonly string[],
    replay: ReplaySpan,
  ): Promise<{ accepted: number; deadLettered: number }>;
  readonly replays: Pick<ReplayLog, "progress" | "forget">;
}

/** Lines fed per call (the spool may cut them into several commits, each recording its progress). */
const CHUNK_LINES = 1000;

/**
 * Replays every dead letter set aside for the target's destination, oldest first; stops early,
 * leaving the rest for the next replay, if the spool fills up with nothing delivering. Call it
 * while owning the spool, before anything is dead-lettered in this run.
 */
export async function replayDeadLetters(target: ReplayTarget): Promise<ReplayCounts & { files: string[] }> {
  // A record whose file is gone was finished (deleted just before its record was): forget it.
  const dir = path.dirname(target.deadLetterFile);
  for (const name of target.replays.progress().keys())
    if (!existsSync(path.join(dir, name))) target.replays.forget(name);
  const files = claimDeadLetters(target.deadLetterFile);
  const total = { files, lines: 0, accepted: 0, deadLettered: 0 };
  for (const file of files) {
    try {
      const counts = await replayFile(file, target);
      total.lines += counts.lines;
      total.accepted += counts.accepted;
      total.deadLettered += counts.deadLettered;
    } catch (err) {
      if (!(err instanceof SpoolFullError)) throw err;
      break; // stopped with a full spool: the rest is replayed next time, from where it stopped
    }
  }
  return total;
}

/**
 * Moves `deadLetterFile` aside for a replay and returns every file waiting to be replayed, oldest
 * first: an interrupted replay's file, then this one.
 */
export function claimDeadLetters(deadLetterFile: string): string[] {
  const dir = path.dirname(deadLetterFile);
  const stem = path.basename(deadLetterFile).replace(/\.ndjson$/, "");
  if (existsSync(deadLetterFile)) {
    // Named by time so they replay in order; never over an interrupted replay's file.
    let stamp = Date.now();
    while (existsSync(path.join(dir, `${stem}.replay-${stamp}.ndjson`))) stamp++;
    renameSync(deadLetterFile, path.join(dir, `${stem}.replay-${stamp}.ndjson`));
    syncDir(dir);
  }
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${stem}.replay-`) && name.endsWith(".ndjson"))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Feeds a moved-aside dead-letter file back to the target, from where an earlier replay stopped. */
export async function replayFile(file: string, target: ReplayTarget): Promise<ReplayCounts> {
  const name = path.basename(file);
  const counts: ReplayCounts = { lines: 0, accepted: 0, deadLettered: 0 };
  let lines: string[] = [];
  let ends: number[] = [];
  const feed = async () => {
    const done = await target.acceptMany(lines, { file: name, ends });
    counts.lines += lines.length;
    counts.accepted += done.accepted;
    counts.deadLettered += done.deadLettered;
    lines = [];
    ends = [];
  };
  for await (const line of linesFrom(file, target.replays.progress().get(name) ?? 0)) {
    lines.push(replayable(line.text));
    ends.push(line.end);
    if (lines.length >= CHUNK_LINES) await feed();
  }
  if (lines.length > 0) await feed();
  // The deletion is durable before the record goes: a record without its file is harmless, a
  // file without its record would be replayed again from the start.
  rmSync(file);
  syncDir(path.dirname(file));
  target.replays.forget(name);
  return counts;
}

/** The input line a dead letter holds: the line refused at the door, or the event the destination rejected. */
function replayable(text: string): string {
  try {
    const entry = JSON.parse(text) as { line?: unknown; event?: unknown } | null;
    if (typeof entry?.line === "string") return entry.line;
    if (entry?.event !== undefined) return JSON.stringify(entry.event);
  } catch {
    // Not a dead-letter record (a torn last line, an edit): the door judges the text itself.
  }
  return text;
}

/** Lines of a file from byte `start`, each with the byte offset just past it (exact, for resuming). */
async function* linesFrom(file: string, start: number): AsyncGenerator<{ text: string; end: number }> {
  let offset = start;
  let rest: Buffer = Buffer.alloc(0);
  for await (const data of createReadStream(file, { start })) {
    const buf = rest.length > 0 ? Buffer.concat([rest, data as Buffer]) : (data as Buffer);
    let from = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, from)) {
      offset += nl + 1 - from;
      yield { text: buf.toString("utf8", from, nl).replace(/\r$/, ""), end: offset };
      from = nl + 1;
    }
    rest = buf.subarray(from);
  }
  if (rest.length > 0) yield { text: rest.toString("utf8"), end: offset + rest.length };
}

/** Makes a rename or deletion in `dir` durable (where the platform allows opening a folder). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder: the rename is still atomic, only its durability is the OS's.
  }
}
