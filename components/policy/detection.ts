/**
 * Custom detections: Sigma's detection syntax over the envelope's fields, parsed into one
 * expression tree that each destination's DetectionCompiler turns into its own query.
 *
 *   detection:
 *     issued: { EventID: 4887, TemplateName: WebServer }
 *     admins: { User|endswith: ["@pki-admins.example.com", "@secops.example.com"] }
 *     condition: issued and not admins
 *
 * Fields are the envelope's top-level `source`, `sourcetype`, `host` and the event's own fields
 * by name (EventID, User, TemplateName, ...). A selection is a map (fields ANDed) or a list of maps
 * (ORed); a list of values is ORed (`|all` ANDs it). Modifiers: contains, startswith, endswith,
 * all. Conditions: and, or, not, parentheses, `1 of <prefix>*` / `all of <prefix>*` / `... them`.
 * Values are compared as Sigma does: strings case-insensitively (each destination's compiler says
 * where it cannot), numbers exactly; wildcards inside plain values are refused in favour of the
 * modifiers, which every destination can express.
 */
import { ezcaEventBody, ezmonitorEventBody } from "../catalog/envelope";

export type MatchOp = "eq" | "contains" | "startswith" | "endswith";
export interface Match {
  kind: "match";
  field: string;
  op: MatchOp;
  /** ORed, or ANDed when `all`. */
  values: (string | number)[];
  all: boolean;
}
export type Expr =
  | Match
  | { kind: "and"; items: Expr[] }
  | { kind: "or"; items: Expr[] }
  | { kind: "not"; item: Expr };

/** The fields a detection may name: the envelope's top-level ones, then every event field. */
export const DETECTION_FIELDS: readonly string[] = [
  "source",
  "sourcetype",
  "host",
  ...new Set([...Object.keys(ezcaEventBody.shape), ...Object.keys(ezmonitorEventBody.shape)]),
];

/** What a destination makes of a detection: its query, or why it cannot express it. */
export type DetectionResult = { query: string } | { unsupported: string };
/** One destination's compiler (components/<key>/detection.ts), given to the policy via its AlertCompiler. */
export type DetectionCompiler = (expr: Expr) => DetectionResult;

const MODIFIERS = new Set(["contains", "startswith", "endswith", "all"]);

/** One selection's tree; problems go to `issues` with the path under `detection`. */
function selection(name: string, value: unknown, issues: string[]): Expr | undefined {
  const maps = Array.isArray(value) ? value : [value];
  const branches: Expr[] = [];
  for (const [i, map] of maps.entries()) {
    const at = Array.isArray(value) ? `${name}[${i}]` : name;
    if (typeof map !== "object" || map === null || Array.isArray(map) || Object.keys(map).length === 0) {
      issues.push(`${at}: a selection is a map of field: value (or a list of such maps)`);
      continue;
    }
    const matches: Expr[] = [];
    for (const [key, raw] of Object.entries(map as Record<string, unknown>)) {
      const [field = "", ...mods] = key.split("|");
      const bad = mods.find((m) => !MODIFIERS.has(m));
      const ops = mods.filter((m) => m !== "all") as MatchOp[];
      const values = Array.isArray(raw) ? raw : [raw];
      if (!DETECTION_FIELDS.includes(field)) {
        issues.push(`${at}.${key}: unknown field "${field}"; fields: ${DETECTION_FIELDS.join(", ")}`);
      } else if (bad !== undefined || ops.length > 1) {
        issues.push(
          `${at}.${key}: modifier "${bad ?? ops.join("|")}" is not supported; use one of contains, startswith, endswith (and all)`,
        );
      } else if (values.length === 0 || values.some((v) => typeof v !== "string" && typeof v !== "number")) {
        issues.push(`${at}.${key}: values must be strings or numbers (one, or a non-empty list)`);
      } else if (values.some((v) => typeof v === "string" && /[*?]/.test(v))) {
        issues.push(
          `${at}.${key}: wildcards (* ?) are not supported: use |contains, |startswith or |endswith`,
        );
      } else if (ops.length > 0 && values.some((v) => typeof v !== "string")) {
        issues.push(`${at}.${key}: |${ops[0]} needs text values`);
      } else {
        matches.push({ kind: "match", field, op: ops[0] ?? "eq", values, all: mods.includes("all") });
      }
    }
    branches.push(matches.length === 1 ? (matches[0] as Expr) : { kind: "and", items: matches });
  }
  return branches.length === 1 ? branches[0] : { kind: "or", items: branches };
}

const TOKEN = /\s*(\(|\)|[A-Za-z_][\w*]*|1|\S)/y;

/** Parses a condition over the named selections (precedence: not > and > or). */
function condition(text: string, selections: Map<string, Expr>, issues: string[]): Expr | undefined {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) tokens.push(m[1] as string);
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`condition "${text}": ${why}`);
  };
  const named = (pattern: string): Expr[] => {
    const re = pattern === "them" ? /.*/ : new RegExp(`^${pattern.replace(/\*/g, ".*")}$`);
    const hit = [...selections].filter(([n]) => re.test(n)).map(([, e]) => e);
    if (hit.length === 0) fail(`"${pattern}" names no selection`);
    return hit;
  };
  const atom = (): Expr => {
    const t = tokens[i++];
    if (t === undefined) return fail("ends too early");
    if (t === "not") return { kind: "not", item: atom() };
    if (t === "(") {
      const inner = or();
      if (tokens[i++] !== ")") fail('missing ")"');
      return inner;
    }
    if ((t === "1" || t === "all") && tokens[i] === "of") {
      i++;
      const items = named(tokens[i++] ?? fail("expected a name after of"));
      return { kind: t === "1" ? "or" : "and", items } as Expr;
    }
    if (t.includes("*") || !selections.has(t))
      fail(`"${t}" is not a selection (${[...selections.keys()].join(", ")})`);
    return selections.get(t) as Expr;
  };
  const chain = (kind: "and" | "or", next: () => Expr) => (): Expr => {
    const items = [next()];
    while (tokens[i] === kind) {
      i++;
      items.push(next());
    }
    return items.length === 1 ? (items[0] as Expr) : ({ kind, items } as Expr);
  };
  const and = chain("and", atom);
  const or = chain("or", and);
  try {
    const tree = or();
    if (i < tokens.length) fail(`unexpected "${tokens[i]}"`);
    return tree;
  } catch (err) {
    issues.push((err as Error).message);
    return undefined;
  }
}

/** A detection block's tree, or every problem found in it (each one line). */
export function parseDetection(block: Record<string, unknown>): { expr?: Expr; issues: string[] } {
  const issues: string[] = [];
  const { condition: cond, ...rest } = block;
  const selections = new Map<string, Expr>();
  for (const [name, value] of Object.entries(rest)) {
    const expr = selection(name, value, issues);
    if (expr) selections.set(name, expr);
  }
  if (typeof cond !== "string") {
    issues.push("condition: must be a condition over the selections, e.g. selection and not filter");
    return { issues };
  }
  if (issues.length > 0) return { issues };
  const expr = condition(cond, selections, issues);
  return issues.length > 0 || !expr ? { issues } : { expr, issues };
}

/** Evaluates a tree on an envelope as Sigma defines it (strings case-insensitive): the reference semantics. */
export function detectionMatches(expr: Expr, env: Record<string, unknown>): boolean {
  if (expr.kind === "and" || expr.kind === "or") {
    const hit = (e: Expr) => detectionMatches(e, env);
    return expr.kind === "and" ? expr.items.every(hit) : expr.items.some(hit);
  }
  if (expr.kind === "not") return !detectionMatches(expr.item, env);
  const event = (env.event ?? {}) as Record<string, unknown>;
  const actual = ["source", "sourcetype", "host"].includes(expr.field) ? env[expr.field] : event[expr.field];
  const test = (v: string | number) => {
    if (typeof v === "number") return actual === v;
    if (typeof actual !== "string") return false;
    const [a, b] = [actual.toLowerCase(), v.toLowerCase()];
    return { eq: a === b, contains: a.includes(b), startswith: a.startsWith(b), endswith: a.endsWith(b) }[
      expr.op
    ];
  };
  return expr.all ? expr.values.every(test) : expr.values.some(test);
}
