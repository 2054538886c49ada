/**
 * Envelope validation at the door (components/catalog/envelope.ts), one process, no I/O: the
 * fast path (ajv, compiled from zod's JSON Schema) against zod alone, on catalog samples parsed
 * from JSON as the door gets them. Each validator runs BENCH_ENVELOPE_ROUNDS times (default 3)
 * over fresh copies; the table shows the median.
 */
import { checkEnvelope, envelopeSchema, fastValid, sampleStream } from "../../components/catalog";
import { fmt } from "./http-sinks";
import type { BenchSection } from "./report";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function benchEnvelope(n: number, rounds: number): Promise<BenchSection> {
  const lines = [...sampleStream(n, { seed: 23 })].map((e) => JSON.stringify(e));
  const validators: [string, string, (v: unknown) => boolean][] = [
    ["zod", "zod alone (envelopeSchema.safeParse)", (v) => envelopeSchema.safeParse(v).success],
    ["ajv", "ajv alone (fastValid)", (v) => fastValid(v)],
    ["door", "the door (checkEnvelope: ajv, zod for what ajv refuses)", (v) => checkEnvelope(v).ok],
  ];
  for (const [, , validate] of validators) validate(JSON.parse(lines[0] as string)); // compile once, outside the clock
  const times = new Map<string, number[]>(validators.map(([key]) => [key, []]));
  for (let r = 0; r < rounds; r++)
    for (const [key, name, validate] of validators) {
      const values = lines.map((l) => JSON.parse(l) as unknown); // fresh objects: ajv strips in place
      const t0 = performance.now();
      for (const v of values) if (!validate(v)) throw new Error(`envelope bench: ${name} refused a sample`);
      times.get(key)?.push(performance.now() - t0);
    }
  const ms = (key: string) => median(times.get(key) ?? []);
  return {
    title: "Envelope validation at the door: zod vs ajv",
    note: `${fmt(n)} catalog samples, parsed from JSON before the clock starts; median of ${rounds} rounds. Validation only (no parse, no spool).`,
    head: ["validator", "median time", "µs per event", "events/s", "vs zod"],
    rows: validators.map(([key, name]) => [
      name,
      `${ms(key).toFixed(0)} ms`,
      ((ms(key) / n) * 1000).toFixed(2),
      fmt(Math.round((n / ms(key)) * 1000)),
      `${(ms("zod") / ms(key)).toFixed(1)}x`,
    ]),
    figures: Object.fromEntries(
      validators.map(([key]) => [`envelope.${key}UsPerEvent`, (ms(key) / n) * 1000]),
    ),
  };
}
