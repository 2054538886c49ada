/**
 * Dead-letter file: NDJSON, one object per event that will never be delivered as it is, with
 * why (`cause`, one of a few kinds, and `reason`, the details), the destination and the original
 * line (or event). Appended and fsynced before the event leaves the spool, so a dead-lettered
 * event is never lost either; `send --replay-dead-letters` feeds it back once the cause is fixed.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
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
  count = 0;

  constructor(
    readonly file: string,
    private readonly destination: string,
  ) {}

  write(entries: readonly DeadLetter[]): void {
    if (entries.length === 0) return;
    if (this.fd === undefined) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = openSync(this.file, "a");
    }
    const time = new Date().toISOString();
    const text = entries
      .map((e) => `${JSON.stringify({ time, destination: this.destination, ...e })}\n`)
      .join("");
    writeSync(this.fd, text);
    fsyncSync(this.fd);
    this.count += entries.length;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
