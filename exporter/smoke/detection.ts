/**
 * The smoke check of one custom detection at one destination: the events it must match and a
 * near miss it must not (components/policy/witness.ts), run through the destination's own query
 * check. The result names how each destination checked, so a check done offline never reads as
 * one done by the service.
 */
import type { Envelope } from "../../components/catalog/envelope";
import type { CompiledDetection } from "../../components/policy/detections";
import { detectionWitnesses } from "../../components/policy/witness";
import { type SmokeResult, timed } from "./result";

/** Whether the destination's query takes each event, and how that was found out. */
export type QueryCheck = (events: Envelope[]) => Promise<{ matched: boolean[]; how: string }>;

export function smokeDetection(
  destination: string,
  detection: CompiledDetection,
  check: QueryCheck,
): Promise<SmokeResult> {
  return timed(destination, `detection ${detection.name}`, async () => {
    const w = detectionWitnesses(detection.expr);
    if ("problem" in w)
      throw new Error(`cannot build smoke events for detection ${detection.name}: ${w.problem}`);
    const { matched, how } = await check([...w.good, w.bad]);
    const missed = w.good.flatMap((_, i) => (matched[i] ? [] : [i + 1]));
    const wrong = matched[w.good.length] === true;
    if (missed.length > 0 || wrong) {
      const what = [
        missed.length
          ? `does not match smoke event(s) ${missed.join(", ")} of ${w.good.length} it must match`
          : "",
        wrong ? "matches the near miss it must not" : "",
      ].filter(Boolean);
      throw new Error(
        `detection ${detection.name}: the ${destination} query ${what.join(" and ")} (checked with ${how})`,
      );
    }
    return {
      result: "pass",
      detail: `the ${destination} query matches its ${w.good.length} smoke event(s) and not the near miss (checked with ${how})`,
    };
  });
}
