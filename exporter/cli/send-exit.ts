/**
 * `send`'s exit codes, listed once: the help text, the README and the code that picks one read
 * this table. The most urgent outcome wins when several apply (a stop over events left in the
 * spool over dead letters).
 */
import type { Summary } from "../pipeline/metrics";

export const SEND_EXIT = {
  /** Every accepted event delivered, no line dead-lettered. */
  ok: 0,
  /** Bad input: options, config, unreadable input, spool in use (nothing sent). */
  badInput: 1,
  internal: 2,
  /** The destination refused the sender (credential, missing target): stopped, nothing lost. */
  stopped: 3,
  /** Events remain in the spool (destination unreachable past the retry budget, interrupted). */
  undelivered: 4,
  /** Some lines were dead-lettered; the rest was delivered. */
  deadLettered: 5,
} as const;

/** The help's and the README's words for each code (lines that fit an 80-column terminal). */
export const SEND_EXIT_HELP: readonly [number, readonly string[]][] = [
  [SEND_EXIT.ok, ["every accepted event was delivered, no line was dead-lettered"]],
  [SEND_EXIT.badInput, ["bad input (options, config, unreadable input, spool in use): nothing sent"]],
  [SEND_EXIT.internal, ["internal error"]],
  [
    SEND_EXIT.stopped,
    [
      "stopped: the destination refused the credential or the target (wrong",
      "key, missing log group, topic or DCR); every undelivered event stays",
      "in the spool: fix it and run send again",
    ],
  ],
  [
    SEND_EXIT.undelivered,
    [
      "events remain in the spool (destination unreachable or throttling past",
      "the retry budget, drain timeout): run send again",
    ],
  ],
  [
    SEND_EXIT.deadLettered,
    [
      "delivered, but lines were dead-lettered (the summary counts them per",
      "reason): fix the cause, then send --replay-dead-letters",
    ],
  ],
  [130, ["a second SIGINT/SIGTERM: left at once; the spool keeps every event"]],
];

/** The exit code a finished run earns. */
export function sendExitCode(summary: Summary): number {
  if (summary.halted) return SEND_EXIT.stopped;
  if (summary.inSpool > 0) return SEND_EXIT.undelivered;
  if (summary.deadLettered > 0) return SEND_EXIT.deadLettered;
  return SEND_EXIT.ok;
}
