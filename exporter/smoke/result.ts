/** One line of a post-deploy smoke report, and the pieces every destination's smoke check shares. */
import { randomUUID } from "node:crypto";
import type { Envelope } from "../../components/catalog/envelope";
import type { Product } from "../../components/catalog/events";
import { stableJson } from "../../components/catalog/json";
import { sampleEvent } from "../../components/catalog/samples";
import type { Sink } from "../pipeline/sink";

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

/** Sends one event straight through a sink (no spool), then closes it; throws unless accepted. */
export async function sendOnce(sink: Sink, env: Envelope, timeoutMs: number): Promise<void> {
  try {
    const events = [{ env, json: stableJson(env) }];
    const outcome = await sink.send(sink.encode(events), events, AbortSignal.timeout(timeoutMs));
    if (outcome.kind !== "ok")
      throw new Error(`not accepted: ${"reason" in outcome ? outcome.reason : outcome.kind}`);
  } finally {
    await sink.close();
  }
}
