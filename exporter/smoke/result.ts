/** One line of a post-deploy smoke report, and the pieces every destination's smoke check shares. */
import { randomUUID } from "node:crypto";
import type { Envelope } from "../../components/catalog/envelope";
import type { Product } from "../../components/catalog/events";
import { stableJson } from "../../components/catalog/json";
import { sampleEvent } from "../../components/catalog/samples";
import type { SendOutcome, Sink } from "../pipeline/sink";

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

/** A uniquely tagged test event (EZCA 4888 unless told): host keytos-siem-smoke, its RecordId also in Details. */
export function taggedTestEvent(product: Product = "EZCA", id = 4888): { env: Envelope; recordId: string } {
  const recordId = randomUUID();
  const env = sampleEvent(product, id, { time: Date.now() / 1000, host: "keytos-siem-smoke" });
  env.event = { ...env.event, RecordId: recordId, Details: `keytos-siem smoke test ${recordId}` };
  return { env, recordId };
}

/** Why the destination did not take the test event, by what its answer means for the user. */
const NOT_ACCEPTED: Record<Exclude<SendOutcome["kind"], "ok">, string> = {
  stop: "refused (the credential or the target, not the event)",
  retryable:
    "not accepted, a temporary failure (the service failed or could not be reached): run smoke again later",
  permanent: "the test event was rejected",
  "too-large": "the test event was rejected as too large",
  partial: "the test event was rejected",
};

/** Sends one event straight through a sink (no spool), then closes it; throws unless accepted. */
export async function sendOnce(sink: Sink, env: Envelope, timeoutMs: number): Promise<void> {
  try {
    const events = [{ env, json: stableJson(env) }];
    const outcome = await sink.send(sink.encode(events), events, AbortSignal.timeout(timeoutMs));
    if (outcome.kind === "ok") return;
    const reason = "reason" in outcome ? outcome.reason : outcome.rejected.map((r) => r.reason).join("; ");
    throw new Error(`${NOT_ACCEPTED[outcome.kind]}: ${reason}`);
  } finally {
    await sink.close();
  }
}
