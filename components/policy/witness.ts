/**
 * Smoke events for a custom detection: envelopes that must match it (one per way the condition
 * can be met, up to a few) and one that must not, built from catalog samples and checked against
 * Sigma's semantics (detectionMatches). `smoke` runs each destination's query over them.
 */
import type { Envelope } from "../catalog/envelope";
import { CATALOG, PRODUCTS, SOURCETYPES, sourcetypeOf } from "../catalog/events";
import { sampleEvent } from "../catalog/samples";
import { detectionMatches, type Expr, type Match } from "./detection";

/** A match, or its negation: one literal of the condition in disjunctive normal form. */
type Literal = { match: Match; negated: boolean };

const MAX_BRANCHES = 64;
const MAX_GOOD = 4;
const TOP = new Set(["source", "sourcetype", "host"]);
const NO_MATCH = "keytos-siem-smoke-no-match";

/** The condition as ORed branches of ANDed literals (negations pushed down to the matches). */
function branches(e: Expr, negated = false): Literal[][] {
  if (e.kind === "match") return [[{ match: e, negated }]];
  if (e.kind === "not") return branches(e.item, !negated);
  const parts = e.items.map((i) => branches(i, negated));
  if ((e.kind === "or") !== negated) return parts.flat().slice(0, MAX_BRANCHES);
  return parts.reduce<Literal[][]>(
    (acc, p) => acc.flatMap((a) => p.map((b) => [...a, ...b])).slice(0, MAX_BRANCHES),
    [[]],
  );
}

const single = (m: Match, value: unknown) =>
  detectionMatches(m, TOP.has(m.field) ? { [m.field]: value } : { event: { [m.field]: value } });

/** A value that satisfies a match (checked), if one is simple to find. */
function satisfying(m: Match): string | number | undefined {
  const text = m.values.map(String);
  const longest = [...text].sort((a, b) => b.length - a.length)[0] as string;
  const candidates = [m.values[0], `smoke ${text.join(" ")} smoke`, `${longest} smoke`, `smoke ${longest}`];
  return candidates.find((c) => single(m, c));
}

/**
 * A value that fails a match: for source and sourcetype another real one (events stay
 * shippable), else a number none of its values is, or text none of them fits.
 */
function failing(m: Match): string | number {
  const real = { source: PRODUCTS, sourcetype: SOURCETYPES }[m.field as "source" | "sourcetype"];
  const other = real?.find((v) => !single(m, v));
  if (other) return other;
  return m.values.every((v) => typeof v === "number")
    ? Math.max(...(m.values as number[])) + 100000
    : NO_MATCH;
}

function set(env: Envelope, field: string, value: unknown): void {
  if (TOP.has(field)) (env as Record<string, unknown>)[field] = value;
  else env.event = { ...env.event, [field]: value };
}

/** The catalog sample a branch most likely needs: the product, sourcetype and id its literals pin. */
function base(branch: Literal[]): Envelope {
  const pinned = (field: string) =>
    branch.find((l) => !l.negated && l.match.field === field && l.match.op === "eq")?.match.values[0];
  const [source, sourcetype] = [pinned("source"), pinned("sourcetype")].map((v) => String(v ?? ""));
  const ids = [pinned("EventID"), pinned("VulnerabilityID")];
  const fits = CATALOG.filter(
    (e) =>
      (!source || e.product.toLowerCase() === source.toLowerCase()) &&
      (!sourcetype || sourcetypeOf(e).toLowerCase() === sourcetype.toLowerCase()),
  );
  // Prefer the pinned id, then an event that carries every field the branch names (its table has them).
  const named = branch.filter((l) => !TOP.has(l.match.field)).map((l) => l.match.field);
  const carries = (e: (typeof CATALOG)[number]) =>
    named.every((f) => f in sampleEvent(e.product, e.id).event);
  const event = fits.find((e) => ids.includes(e.id)) ?? fits.find(carries) ?? fits[0] ?? CATALOG[0];
  return sampleEvent(event?.product ?? "EZCA", event?.id ?? 4888);
}

/** An envelope meeting every literal of a branch, or undefined when they conflict. */
function meet(branch: Literal[]): Envelope | undefined {
  const env = base(branch);
  for (const { match, negated } of branch) {
    const value = negated ? failing(match) : satisfying(match);
    if (value === undefined) return undefined;
    set(env, match.field, value);
  }
  return branch.every((l) => detectionMatches(l.match, env) !== l.negated) ? env : undefined;
}

export type DetectionWitnesses = { good: Envelope[]; bad: Envelope } | { problem: string };

/** Events a detection must match (one per satisfiable branch, up to 4) and one it must not. */
export function detectionWitnesses(expr: Expr): DetectionWitnesses {
  const good: Envelope[] = [];
  let bad: Envelope | undefined;
  for (const branch of branches(expr)) {
    const env = meet(branch);
    if (!env || !detectionMatches(expr, env)) continue;
    if (good.length < MAX_GOOD) good.push(env);
    // Break one literal of a matching event, an event field's first: a near miss the query must not take.
    const fieldsFirst = [...branch].sort(
      (a, b) => Number(TOP.has(a.match.field)) - Number(TOP.has(b.match.field)),
    );
    for (const { match, negated } of fieldsFirst) {
      if (bad) break;
      const miss = structuredClone(env);
      set(miss, match.field, negated ? satisfying(match) : failing(match));
      if (!detectionMatches(expr, miss)) bad = miss;
    }
  }
  if (good.length === 0) return { problem: "no event meets its condition (its selections conflict)" };
  if (!bad)
    return { problem: "every near miss of its matching events still matches (it matches everything)" };
  return { good, bad };
}
