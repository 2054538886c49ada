/**
 * Custom detections as CloudWatch Logs JSON filter patterns over the envelope (the log message):
 * `$.source`, `$.event.User`... Text compares exactly (case-sensitive, unlike Sigma); contains /
 * startswith / endswith become `*` wildcards. `not` only on fields every event has: a pattern's
 * != never matches an event without the field, where Sigma's not does.
 */
import type { DetectionCompiler, DetectionResult, Expr, Match } from "../policy/detection";

const TOP = new Set(["source", "sourcetype", "host"]);
/** Fields present in every event, where != is the exact negation of =. */
const ALWAYS = new Set(["source", "sourcetype", "host", "RecordId"]);

const selector = (field: string) => (TOP.has(field) ? `$.${field}` : `$.event.${field}`);
const WILD = {
  eq: (v: string) => v,
  contains: (v: string) => `*${v}*`,
  startswith: (v: string) => `${v}*`,
  endswith: (v: string) => `*${v}`,
};

class Unsupported extends Error {}

function leaf(m: Match, negated: boolean): string {
  if (negated && !ALWAYS.has(m.field)) {
    throw new Unsupported(
      `cloudwatch cannot express "not" on ${m.field}: a filter pattern's != never matches an event without the field`,
    );
  }
  const op = negated ? "!=" : "=";
  const terms = m.values.map((v) => {
    if (typeof v === "number") return `${selector(m.field)} ${op} ${v}`;
    if (v.includes("*")) throw new Unsupported(`cloudwatch cannot match a literal * (in ${m.field})`);
    return `${selector(m.field)} ${op} ${JSON.stringify(WILD[m.op](v))}`;
  });
  // not (a or b) = a' and b'; not (a and b) = a' or b'.
  const joiner = m.all !== negated ? " && " : " || ";
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(joiner)})`;
}

function pattern(e: Expr, negated = false): string {
  if (e.kind === "match") return leaf(e, negated);
  if (e.kind === "not") return pattern(e.item, !negated);
  const and = (e.kind === "and") !== negated;
  const parts = e.items.map((i) => pattern(i, negated));
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(and ? " && " : " || ")})`;
}

export const cloudwatchDetection: DetectionCompiler = (expr): DetectionResult => {
  try {
    return { query: `{ ${pattern(expr)} }` };
  } catch (err) {
    if (err instanceof Unsupported) return { unsupported: err.message };
    throw err;
  }
};
