/** One line of a post-deploy smoke report, shared by every destination's smoke check. */

export type SmokeStatus = "pass" | "fail" | "sent-not-verified";

export interface SmokeResult {
  destination: string;
  check: string;
  result: SmokeStatus;
  durationMs: number;
  detail: string;
}

/** Times `run` and turns a thrown error into a failed check (with its message, never a stack). */
export async function timed(
  destination: string,
  check: string,
  run: () => Promise<{ result: SmokeStatus; detail: string }>,
): Promise<SmokeResult> {
  const t0 = performance.now();
  try {
    const r = await run();
    return { destination, check, ...r, durationMs: Math.round(performance.now() - t0) };
  } catch (err) {
    return {
      destination,
      check,
      result: "fail",
      detail: (err as Error).message,
      durationMs: Math.round(performance.now() - t0),
    };
  }
}
