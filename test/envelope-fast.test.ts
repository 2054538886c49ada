/**
 * The door's fast path (ajv, compiled from zod's JSON Schema) must never pass what zod refuses,
 * must pass every good event (or it saves nothing), and must leave the same envelope zod would.
 */
import { describe, expect, it } from "vitest";
import { checkEnvelope, envelopeSchema, fastValid, sampleCatalog, sampleStream } from "../components/catalog";

const clone = <T>(v: T): T => structuredClone(v);

/** Every way to break one field: wrong types, empty, negative, fractional, huge, missing. */
const BAD_VALUES: unknown[] = [undefined, null, "", "x", 0, -1, 1.5, 2 ** 60, true, [], {}, "a".repeat(300)];

function setPath(target: Record<string, unknown>, pathParts: string[], value: unknown): void {
  let node = target;
  for (const p of pathParts.slice(0, -1)) node = node[p] as Record<string, unknown>;
  const last = pathParts.at(-1) as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function corpus(): unknown[] {
  const out: unknown[] = [];
  for (const env of sampleCatalog()) {
    const base = env as unknown as Record<string, unknown>;
    const paths = [
      ...Object.keys(base).map((k) => [k]),
      ...Object.keys(env.event).map((k) => ["event", k]),
      ["event", "EventID"],
      ["event", "VulnerabilityID"],
    ];
    for (const p of paths)
      for (const bad of BAD_VALUES) {
        const v = clone(base);
        setPath(v, p, bad);
        out.push(v);
      }
    out.push({ ...clone(base), extra: "kept, as zod keeps it", meta: { tenant: "contoso" } });
    out.push({ ...clone(base), source: base.source === "EZCA" ? "EZMonitor" : "EZCA" });
    out.push({
      ...clone(base),
      sourcetype: base.sourcetype === "EZCA_CAs" ? "EZCA_Certificates" : "EZCA_CAs",
    });
    out.push({ ...clone(base), event: { ...env.event, RecordId: "not-a-uuid" } });
    out.push({ ...clone(base), time: Number.POSITIVE_INFINITY }); // JSON.parse("1e999") gives this
  }
  out.push(null, 42, "text", [], {});
  return out;
}

describe("envelope fast path", () => {
  it("passes every catalog sample and a generated stream, leaving zod's envelope", () => {
    const events = [...sampleCatalog(), ...sampleStream(2000, { seed: 21 })];
    for (const env of events) {
      const viaZod = envelopeSchema.parse(clone(env));
      const fast = clone(env) as unknown;
      expect(fastValid(fast)).toBe(true);
      expect(fast).toEqual(viaZod);
    }
  });

  it("never passes what zod refuses (a corpus of broken envelopes), and leaves what zod leaves", () => {
    const values = corpus();
    let refused = 0;
    for (const value of values) {
      const zod = envelopeSchema.safeParse(clone(value));
      const fastCopy = clone(value);
      const fast = fastValid(fastCopy);
      if (fast) {
        expect(zod.success, `fast path passed what zod refuses: ${JSON.stringify(value)}`).toBe(true);
        if (zod.success) expect(fastCopy).toEqual(zod.data);
      }
      if (!zod.success) refused++;
      // Whatever path decides, checkEnvelope agrees with zod.
      expect(checkEnvelope(clone(value)).ok).toBe(zod.success);
    }
    expect(refused).toBeGreaterThan(values.length / 2); // the corpus really is broken
  });

  it("keeps unknown top-level fields on both paths, never silently dropping them", () => {
    const [env] = sampleCatalog();
    const sent = { ...env, meta: { tenant: "contoso", tags: ["pki"] }, index: "audit" };
    const fastCopy = clone(sent);
    expect(fastValid(fastCopy)).toBe(true);
    expect(fastCopy).toEqual(sent);
    expect(envelopeSchema.parse(clone(sent))).toEqual(sent);
    expect(checkEnvelope(clone(sent))).toEqual({ ok: true, envelope: sent });
  });

  it("refused events keep zod's reasons, naming the field", () => {
    const [env] = sampleCatalog();
    const res = checkEnvelope({ ...env, event: { ...env?.event, RecordId: "nope" } });
    expect(res).toEqual({
      ok: false,
      reason: "event.RecordId: must be a UUID (the event's stable id for de-duplication)",
    });
  });
});
