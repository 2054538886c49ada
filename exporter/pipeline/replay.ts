/**
 * Replaying dead letters once their cause is fixed. The dead-letter file is first moved aside in
 * one atomic rename, so lines dead-lettered again during the replay start a fresh file and a
 * replayed line is never read twice. Progress through the moved file is recorded after every
 * commit: a replay cut short (crash, kill, a full spool) resumes where it stopped on the next
 * replay. The moved file is deleted once every line in it is back in the spool or dead-lettered.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

/** What a replay did with one moved-aside file. */
export interface ReplayCounts {
  /** Lines fed back to the door. */
  lines: number;
  /** Back in the spool. */
  accepted: number;
  /** Set aside again, with their new reason. */
  deadLettered: number;
}

/** Takes lines and resolves once each is committed to the spool or dead-lettered (Exporter.acceptMany). */
export type Accept = (lines: readonly string[]) => Promise<{ accepted: number; deadLettered: number }>;

/** Lines per commit, and so per progress record. */
const CHUNK_LINES = 1000;

/**
 * Moves `deadLetterFile` aside for a replay and returns every file waiting to be replayed, oldest
 * first: an interrupted replay's file, then this one. Call it while owning the spool, before
 * anything is dead-lettered in this run.
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

/** Feeds a moved-aside dead-letter file back through `accept`, from where an earlier replay stopped. */
export async function replayFile(file: string, accept: Accept): Promise<ReplayCounts> {
  const progress = `${file}.progress`;
  const counts: ReplayCounts = { lines: 0, accepted: 0, deadLettered: 0 };
  let chunk: string[] = [];
  let end = readProgress(progress);
  const commit = async () => {
    const done = await accept(chunk);
    counts.lines += chunk.length;
    counts.accepted += done.accepted;
    counts.deadLettered += done.deadLettered;
    chunk = [];
    writeProgress(progress, end);
  };
  for await (const line of linesFrom(file, end)) {
    chunk.push(replayable(line.text));
    end = line.end;
    if (chunk.length >= CHUNK_LINES) await commit();
  }
  if (chunk.length > 0) await commit();
  rmSync(file);
  rmSync(progress, { force: true });
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

function readProgress(file: string): number {
  try {
    const n = Number(readFileSync(file, "utf8"));
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Written to a temporary file, fsynced and renamed over the old record: never half written. */
function writeProgress(file: string, offset: number): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, String(offset));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Makes a rename in `dir` durable (where the platform allows opening a folder). */
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
