/**
 * Retry timing: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"), a cap, a budget of elapsed time, and the destination's Retry-After.
 */

export interface RetryPolicy {
  /** First backoff ceiling. */
  initialMs: number;
  /** Largest backoff ceiling. */
  maxMs: number;
  /** Stop retrying a batch after this long; it then stays in the spool for the next run. */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 200, maxMs: 30_000, maxElapsedMs: 300_000 };

/** Full jitter: uniform in [0, min(max, initial * 2^attempt)). attempt counts from 0. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP-date (RFC 9110 10.2.3). Undefined when
 * absent or unreadable; never negative; capped at one hour so a bad header cannot park a batch.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const trimmed = text.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), 3_600_000);
}

/** Delay before the next attempt: the server's Retry-After if longer than our backoff. */
export function nextDelayMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random?: () => number,
): number {
  return Math.max(retryAfterMs ?? 0, backoffMs(attempt, policy, random));
}
