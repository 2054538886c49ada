/**
 * Dead-letter file: NDJSON, one object per event that will never be delivered as it is, with
 * why (`cause`, one of a few kinds, and `reason`, the details), the destination and the original
 * line (or event). Appended and fsynced before the event leaves the spool, so a dead-lettered
 * event is never lost either; `send --replay-dead-letters` feeds it back once the cause is fixed.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import path from "node:path";

/** Why lines are set aside, by kind, with the words the summary uses. */
export const DEAD_LETTER_CAUSES = {
  malformedJson: "malformed JSON",
  invalidEnvelope: "invalid envelope",
  tooLarge: "too large",
  tooOld: "too old",
  tooNew: "too far in the future",
  rejectedByDestination: "rejected by destination",
} as const;
export type DeadLetterCause = keyof typeof DEAD_LETTER_CAUSES;

export interface DeadLetter {
  cause: DeadLetterCause;
  reason: string;
  /** The input line as received, for events rejected at the door. */
  line?: string;
  /** The event, for events the destination rejected. */
  event?: unknown;
}

export class DeadLetterFile {
  private fd: number | undefined;

  constructor(
    readonly file: string,
    private readonly destination: string,
  ) {}

  /** Appends entries and fsyncs them. */
  write(entries: readonly DeadLetter[]): void {
    if (entries.length === 0) return;
    if (this.fd === undefined) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = openSync(this.file, "a");
    }
    writeSync(this.fd, this.format(entries));
    fsyncSync(this.fd);
  }

  /** The NDJSON text of entries, as write appends it. */
  format(entries: readonly DeadLetter[]): string {
    const time = new Date().toISOString();
    return entries.map((e) => `${JSON.stringify({ time, destination: this.destination, ...e })}\n`).join("");
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Makes `file` hold `text` from byte `at` (the file's size when the text was committed to be
 * written there), and fsyncs it: appends all of it, or only what a crash cut short when the file
 * already ends with the start of it; appends all of it after whatever is there when the file was
 * changed since (edited, moved): a dead letter is never lost, nor written twice by a crash.
 */
export function placeAt(file: string, at: number, text: string): void {
  const bytes = Buffer.from(text);
  const fd = openSync(file, "a+");
  try {
    const size = fstatSync(fd).size;
    let have = 0;
    if (size >= at) {
      const there = Buffer.alloc(Math.min(size - at, bytes.length));
      readSync(fd, there, 0, there.length, at);
      if (there.equals(bytes.subarray(0, there.length))) have = there.length;
    }
    if (have < bytes.length) writeSync(fd, bytes.subarray(have));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
