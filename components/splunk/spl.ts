/**
 * An evaluator for the SPL subset this toolkit emits and searches with, so the compiled saved
 * searches are checked offline and the REST contract server can answer search exports:
 *   [search] <terms> [| search <terms>] [| head <n>]
 *   terms: field=value, field!=value, NOT, OR, AND (implicit between terms), ( ), and the time
 *          modifiers earliest=... latest=...; values quoted or bare, `*` a wildcard.
 * Splunk's semantics, where they matter for telling events apart: field names are case-sensitive,
 * values are not; OR binds tighter than AND; `f!=v` needs the field, `NOT f=v` does not. Fields
 * are the default ones (index, source, sourcetype, host, _time) plus the event's JSON fields as
 * Splunk extracts them at search time (nested `a.b`, arrays `a{}`). Anything outside the subset
 * (free-text words, other commands) is refused, never guessed.
 */
import { resolveTime } from "./time";

/** An event as Splunk holds it after HEC indexed it. */
export interface IndexedEvent {
  index: string;
  sourcetype: string;
  source?: string;
  host?: string;
  /** Epoch seconds. */
  time: number;
  event: Record<string, unknown>;
}

export type Expr =
  | { kind: "compare"; field: string; op: "=" | "!="; value: string }
  | { kind: "not"; expr: Expr }
  | { kind: "and" | "or"; items: Expr[] };

export interface Search {
  filters: Expr[];
  head?: number;
}

export class SplError extends Error {
  override name = "SplError";
}

type Token = { t: "word" | "quoted" | "op"; v: string };

function tokenize(spl: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(!=|[=|()])|"((?:[^"\\]|\\.)*)"|([^\s=|()"!]+(?:![^\s=|()"!]+)*))/gy;
  let at = 0;
  for (let m = re.exec(spl); m; m = re.exec(spl)) {
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ t: "op", v: m[1] });
    else if (m[2] !== undefined) tokens.push({ t: "quoted", v: m[2].replace(/\\(.)/g, "$1") });
    else if (m[3] !== undefined) tokens.push({ t: "word", v: m[3] });
  }
  const rest = spl.slice(at).trim();
  if (rest !== "") throw new SplError(`cannot read the search at ${JSON.stringify(rest)}`);
  return tokens;
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_.{}]*$/;

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek = () => this.tokens[this.i];
  private next = () => this.tokens[this.i++];
  private isOp = (v: string) => this.peek()?.t === "op" && this.peek()?.v === v;
  private isWord = (v: string) => this.peek()?.t === "word" && this.peek()?.v === v;

  search(): Search {
    const out: Search = { filters: [] };
    if (this.isWord("search")) this.next();
    if (!this.isOp("|") && this.peek()) out.filters.push(this.and());
    while (this.isOp("|")) {
      this.next();
      const command = this.next();
      if (command?.t !== "word") throw new SplError("a command must follow |");
      if (command.v === "search") out.filters.push(this.and());
      else if (command.v === "head") {
        const n = this.next();
        if (n?.t !== "word" || !/^\d+$/.test(n.v)) throw new SplError("head takes a whole number");
        out.head = Math.min(out.head ?? Number.POSITIVE_INFINITY, Number(n.v));
      } else
        throw new SplError(`search command '${command.v}' is not in the evaluator's subset (search, head)`);
    }
    if (this.peek()) throw new SplError(`unexpected ${JSON.stringify(this.peek()?.v)}`);
    return out;
  }

  /** Terms side by side (or joined by AND): all must hold. */
  private and(): Expr {
    const items = [this.or()];
    while (this.peek() && !this.isOp("|") && !this.isOp(")")) {
      if (this.isWord("AND")) this.next();
      items.push(this.or());
    }
    return items.length === 1 ? (items[0] as Expr) : { kind: "and", items };
  }

  private or(): Expr {
    const items = [this.unary()];
    while (this.isWord("OR")) {
      this.next();
      items.push(this.unary());
    }
    return items.length === 1 ? (items[0] as Expr) : { kind: "or", items };
  }

  private unary(): Expr {
    if (this.isWord("NOT")) {
      this.next();
      return { kind: "not", expr: this.unary() };
    }
    if (this.isOp("(")) {
      this.next();
      const inner = this.and();
      if (!this.isOp(")")) throw new SplError("missing )");
      this.next();
      return inner;
    }
    const field = this.next();
    const op = this.peek();
    if (field?.t !== "word" || op?.t !== "op" || (op.v !== "=" && op.v !== "!=")) {
      throw new SplError(
        `${JSON.stringify(field?.v ?? "")}: free-text terms are not in the evaluator's subset; use field=value`,
      );
    }
    if (!FIELD.test(field.v)) throw new SplError(`${JSON.stringify(field.v)} is not a field name`);
    this.next();
    const value = this.next();
    if (value?.t !== "word" && value?.t !== "quoted") throw new SplError(`${field.v}${op.v} needs a value`);
    return { kind: "compare", field: field.v, op: op.v, value: value.v };
  }
}

/** Parses a search; throws SplError naming what is outside the subset. */
export function parseSpl(spl: string): Search {
  const search = new Parser(tokenize(spl)).search();
  if (search.filters.length === 0) throw new SplError("the search selects nothing: add field=value terms");
  return search;
}

/** The fields Splunk would give an event: default fields, then the event's JSON as extracted at search time. */
export function fieldsOf(e: IndexedEvent): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const add = (name: string, value: unknown) => {
    if (value === undefined) return;
    const text = value === null ? "null" : String(value);
    fields.set(name, [...(fields.get(name) ?? []), text]);
  };
  add("index", e.index);
  add("sourcetype", e.sourcetype);
  add("source", e.source);
  add("host", e.host);
  add("_time", e.time);
  const walk = (value: unknown, name: string) => {
    if (Array.isArray(value)) for (const v of value) walk(v, `${name}{}`);
    else if (value !== null && typeof value === "object")
      for (const [k, v] of Object.entries(value)) walk(v, name ? `${name}.${k}` : k);
    else add(name, value);
  };
  walk(e.event, "");
  return fields;
}

const globCache = new Map<string, RegExp>();
function glob(value: string): RegExp {
  let re = globCache.get(value);
  if (!re) {
    const body = value
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    re = new RegExp(`^${body}$`, "i"); // Splunk compares field values case-insensitively
    globCache.set(value, re);
  }
  return re;
}

const TIME_FIELDS = new Set(["earliest", "latest"]);

function holds(expr: Expr, fields: Map<string, string[]>, time: number, now: number): boolean {
  switch (expr.kind) {
    case "and":
      return expr.items.every((x) => holds(x, fields, time, now));
    case "or":
      return expr.items.some((x) => holds(x, fields, time, now));
    case "not":
      return !holds(expr.expr, fields, time, now);
    case "compare": {
      if (TIME_FIELDS.has(expr.field)) {
        const at = resolveTime(expr.value, now);
        if (at === undefined) throw new SplError(`${expr.field}=${expr.value} is not a time modifier`);
        return expr.field === "earliest" ? time >= at : time < at;
      }
      const values = fields.get(expr.field);
      if (!values) return false; // neither = nor != matches an event without the field
      const hit = values.some((v) => glob(expr.value).test(v));
      return expr.op === "=" ? hit : !hit;
    }
  }
}

/** The events a parsed search returns, newest first as Splunk returns them. */
export function runSearch(search: Search, events: readonly IndexedEvent[], now = Date.now() / 1000) {
  const matched = events
    .filter((e) => {
      const fields = fieldsOf(e);
      return search.filters.every((f) => holds(f, fields, e.time, now));
    })
    .sort((a, b) => b.time - a.time);
  return search.head === undefined ? matched : matched.slice(0, search.head);
}

/** Whether one event matches a search text. */
export function splMatches(spl: string, event: IndexedEvent, now = Date.now() / 1000): boolean {
  return runSearch(parseSpl(spl), [event], now).length === 1;
}
