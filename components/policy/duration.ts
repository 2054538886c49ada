/** Durations in the policy are whole minutes; this is their canonical text form. */

/** 300 -> "5m", 3600 -> "1h", 5400 -> "90m", 86400 -> "1d". */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0 || seconds % 60 !== 0) {
    throw new RangeError(`duration must be a positive whole number of minutes, got ${seconds}s`);
  }
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${seconds / 60}m`;
}
