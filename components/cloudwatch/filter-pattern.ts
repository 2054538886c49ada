/**
 * Parser and evaluator for the subset of CloudWatch Logs JSON filter-pattern syntax this toolkit
 * generates: `{ <selector> <op> <value> (&& | ||) ... }` with parentheses, selectors like
 * `$.event.EventID`, numbers and double-quoted strings (with `*` wildcards), and the operators
 * = != < > <= >=. It lets tests and the smoke check prove offline that a compiled pattern
 * matches exactly the events it should. Anything outside the subset is a parse error, so a
 * generated pattern the evaluator cannot check can never pass silently.
 *
 * Semantics follow the CloudWatch docs: a numeric literal matches only JSON numbers, a string
 * literal only JSON strings; a missing field never matches (not even `!=`).
 */

export type Comparison = { kind: "cmp"; path: (string | number)[]; op: Op; value: number | string };
export type PatternNode = Comparison | { kind: "and" | "or"; left: PatternNode; right: PatternNode };
type Op = "=" | "!=" | "<" | ">" | "<=" | ">=";

export class FilterPatternError extends Error {
  constructor(
    message: string,
    readonly pattern: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset} in ${JSON.stringify(pattern)}`);
    this.name = "FilterPatternError";
  }
}

const TOKEN =
  /\s*(?:(?<punct>&&|\|\||!=|<=|>=|[{}()=<>])|(?<sel>\$(?:\.[A-Za-z_][\w-]*|\[\d+\])+)|(?<num>-?\d+(?:\.\d+)?)|(?<str>"(?:[^"\\]|\\.)*"))/y;

type Token = { type: "punct" | "sel" | "num" | "str"; text: string; offset: number };

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < pattern.length) {
    if (/^\s*$/.test(pattern.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(pattern);
    if (!m?.groups) throw new FilterPatternError("unexpected character", pattern, pos);
    const [type, text] = Object.entries(m.groups).find(([, v]) => v !== undefined) as [Token["type"], string];
    tokens.push({ type, text, offset: m.index + m[0].length - text.length });
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

/** Parses a JSON filter pattern into an expression tree. */
export function parseFilterPattern(pattern: string): PatternNode {
  const tokens = tokenize(pattern);
  let i = 0;
  const peek = () => tokens[i];
  const fail = (msg: string): never => {
    throw new FilterPatternError(msg, pattern, peek()?.offset ?? pattern.length);
  };
  const expect = (text: string) => {
    if (peek()?.text !== text) fail(`expected "${text}"`);
    i++;
  };

  const comparison = (): PatternNode => {
    const sel = peek();
    if (sel?.type !== "sel") return fail("expected a selector like $.event.EventID");
    i++;
    const opTok = peek();
    if (!opTok || !["=", "!=", "<", ">", "<=", ">="].includes(opTok.text))
      return fail("expected an operator");
    i++;
    const val = peek();
    if (!val || (val.type !== "num" && val.type !== "str"))
      return fail("expected a number or a quoted string");
    i++;
    const path = [...sel.text.slice(1).matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)].map((p) =>
      p[1] !== undefined ? p[1] : Number(p[2]),
    );
    const value = val.type === "num" ? Number(val.text) : (JSON.parse(val.text) as string);
    if (typeof value === "string" && opTok.text !== "=" && opTok.text !== "!=") {
      return fail("strings support only = and !=");
    }
    return { kind: "cmp", path, op: opTok.text as Op, value };
  };
  const term = (): PatternNode => {
    if (peek()?.text === "(") {
      i++;
      const inner = or();
      expect(")");
      return inner;
    }
    return comparison();
  };
  /** Left-associative chain of `operand (token operand)*`: && binds tighter than ||. */
  const chain = (kind: "and" | "or", token: string, operand: () => PatternNode) => (): PatternNode => {
    let left = operand();
    while (peek()?.text === token) {
      i++;
      left = { kind, left, right: operand() };
    }
    return left;
  };
  const and = chain("and", "&&", () => term());
  const or = chain("or", "||", and);

  expect("{");
  const tree = or();
  expect("}");
  if (i !== tokens.length) fail("unexpected text after the closing brace");
  return tree;
}

function lookup(doc: unknown, path: (string | number)[]): unknown {
  let cur: unknown = doc;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

function wildcard(expected: string, actual: string): boolean {
  if (!expected.includes("*")) return expected === actual;
  const re = new RegExp(
    `^${expected
      .split("*")
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return re.test(actual);
}

function compare(node: Comparison, actual: unknown): boolean {
  if (actual === undefined) return false;
  if (typeof node.value === "string") {
    if (typeof actual !== "string") return false;
    const eq = wildcard(node.value, actual);
    return node.op === "=" ? eq : !eq;
  }
  if (typeof actual !== "number") return false;
  switch (node.op) {
    case "=":
      return actual === node.value;
    case "!=":
      return actual !== node.value;
    case "<":
      return actual < node.value;
    case ">":
      return actual > node.value;
    case "<=":
      return actual <= node.value;
    case ">=":
      return actual >= node.value;
  }
}

function evaluate(node: PatternNode, doc: unknown): boolean {
  if (node.kind === "cmp") return compare(node, lookup(doc, node.path));
  if (node.kind === "and") return evaluate(node.left, doc) && evaluate(node.right, doc);
  return evaluate(node.left, doc) || evaluate(node.right, doc);
}

/**
 * Does a log message match a JSON filter pattern? Messages that are not JSON objects never match
 * a JSON pattern, as in CloudWatch.
 */
export function filterPatternMatches(pattern: string | PatternNode, message: string): boolean {
  const tree = typeof pattern === "string" ? parseFilterPattern(pattern) : pattern;
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    return false;
  }
  if (doc === null || typeof doc !== "object") return false;
  return evaluate(tree, doc);
}
