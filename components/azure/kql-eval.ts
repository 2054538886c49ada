/**
 * Evaluates the KQL the detection compiler writes (`<table> | where <filter>` or
 * `union <a>, <b> | where <filter>`; ==, =~, contains, startswith, endswith, and, or, not(),
 * parentheses), and `in` / `in~` lists as pySigma's kusto backend writes them, on a row as the
 * DCR stores it: the offline check of a detection's query on its smoke events, and of the Sigma
 * export's conversion against it. Text operators compare case-insensitively, as Kusto's do.
 */
import { detectionTables } from "./detection";

type Node =
  | { kind: "cmp"; column: string; op: string; value: string | number }
  | { kind: "and"; items: Node[] }
  | { kind: "or"; items: Node[] }
  | { kind: "not"; item: Node };

const TOKEN = /\s*("(?:[^"\\]|\\.)*"|==|=~|in~|,|\(|\)|[\w.-]+)/y;
const OPS = new Set(["==", "=~", "contains", "startswith", "endswith"]);

function parseFilter(text: string): Node {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let end = 0; // a failed sticky match resets lastIndex: keep where reading stopped
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    tokens.push(m[1] as string);
    end = TOKEN.lastIndex;
  }
  if (text.slice(end).trim() || tokens.length === 0) throw new Error(`cannot read KQL filter: ${text}`);
  let i = 0;
  const next = () => tokens[i++] ?? "";
  const atom = (): Node => {
    const t = next();
    if (t === "not" && tokens[i] === "(") return { kind: "not", item: atom() };
    if (t === "(") {
      const inner = or();
      if (next() !== ")") throw new Error(`missing ) in KQL filter: ${text}`);
      return inner;
    }
    const op = next();
    if ((op === "in" || op === "in~") && next() === "(") {
      // `c in~ ("a", "b")`: any of them (the kusto backend writes numbers as text here).
      const items: Node[] = [];
      for (let lit = next(); lit !== ")"; lit = next()) {
        if (lit === ",") continue;
        if (lit === "") throw new Error(`missing ) in KQL filter: ${text}`);
        const value = lit.startsWith('"') ? (JSON.parse(lit) as string) : Number(lit);
        items.push({ kind: "cmp", column: t, op: op === "in" ? "==" : "=~", value });
      }
      return { kind: "or", items };
    }
    const literal = next();
    if (!/^\w+$/.test(t) || !OPS.has(op) || literal === "")
      throw new Error(`"${t} ${op} ${literal}" is not a comparison in KQL filter: ${text}`);
    const value = literal.startsWith('"') ? (JSON.parse(literal) as string) : Number(literal);
    return { kind: "cmp", column: t, op, value };
  };
  const chain = (kind: "and" | "or", sub: () => Node) => (): Node => {
    const items = [sub()];
    while (tokens[i] === kind) {
      i++;
      items.push(sub());
    }
    return items.length === 1 ? (items[0] as Node) : ({ kind, items } as Node);
  };
  const and = chain("and", atom);
  const or = chain("or", and);
  const tree = or();
  if (i < tokens.length) throw new Error(`unexpected "${tokens[i]}" in KQL filter: ${text}`);
  return tree;
}

function evaluate(n: Node, row: Record<string, unknown>): boolean {
  if (n.kind === "not") return !evaluate(n.item, row);
  if (n.kind === "and") return n.items.every((x) => evaluate(x, row));
  if (n.kind === "or") return n.items.some((x) => evaluate(x, row));
  const actual = row[n.column];
  if (typeof n.value === "number") return actual !== undefined && Number(actual) === n.value;
  const [a, b] = [String(actual ?? "").toLowerCase(), n.value.toLowerCase()];
  return {
    "==": String(actual ?? "") === n.value,
    "=~": a === b,
    contains: a.includes(b),
    startswith: a.startsWith(b),
    endswith: a.endsWith(b),
  }[n.op] as boolean;
}

/** Whether a detection's KQL returns this row of this table. */
export function kqlSelects(kql: string, table: string, row: Record<string, unknown>): boolean {
  const [, filter] = kql.split(/\n\| where /);
  if (filter === undefined) throw new Error(`not "<tables>\\n| where <filter>": ${kql}`);
  return detectionTables(kql).split(", ").includes(table) && evaluate(parseFilter(filter), row);
}
