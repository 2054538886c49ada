/**
 * YAML files validated by a zod schema (alert policies, send configs): YAML syntax errors and
 * schema errors all come back as one FileError listing every problem as
 * `file:line:column: field: message (got <value>)`, so a user fixes them all in one pass.
 * Nothing is returned from a file with any error.
 */
import { readFileSync } from "node:fs";
import { isCollection, isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { z } from "zod";

export type IssuePath = (string | number)[];

export interface FileIssue {
  path: IssuePath;
  message: string;
  /** The offending value, when there is one to show. */
  input?: unknown;
  /** Locate the key of the last path segment rather than its value (unknown fields). */
  atKey?: boolean;
}

export interface LocatedIssue extends FileIssue {
  line?: number;
  column?: number;
  /** Where the value came from when not the file (an environment variable): named instead of the file. */
  source?: string;
}

/** `rules[1].select.ids[0]` */
export function formatPath(path: IssuePath): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${key}` : key),
    "",
  );
}

/** Fields whose value is a credential: a problem names them but never echoes what was given. */
const SECRET_FIELD = /token|key|secret|password|credential/i;

/** A URL's user and password, masked: `https://***:***@host/`. */
function maskUserinfo(value: unknown): unknown {
  if (typeof value !== "string" || !value.includes("@") || !URL.canParse(value)) return value;
  const url = new URL(value);
  if (!url.username && !url.password) return value;
  if (url.username) url.username = "***";
  if (url.password) url.password = "***";
  return url.href;
}

function showValue(path: IssuePath, raw: unknown): string {
  if (SECRET_FIELD.test(String(path.at(-1) ?? ""))) return "";
  const value = maskUserinfo(raw);
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export class FileError extends Error {
  constructor(
    /** What the file is, for the message: "alert policy", "send config". */
    readonly kind: string,
    readonly file: string,
    readonly issues: LocatedIssue[],
  ) {
    const lines = issues.map((i) => {
      const where = i.source ?? (i.line ? `${file}:${i.line}:${i.column}` : file);
      const field = i.path.length ? `${formatPath(i.path)}: ` : "";
      const shown = i.input === undefined ? "" : showValue(i.path, i.input);
      const got = shown && !i.message.includes(shown) ? ` (got ${shown})` : "";
      return `${where}: ${field}${i.message}${got}`;
    });
    // One problem is one line (it names the file); several get a heading and one line each.
    super(
      lines.length === 1
        ? (lines[0] as string)
        : `invalid ${kind} ${file} (${issues.length} problems):\n  ${lines.join("\n  ")}`,
    );
    this.name = "FileError";
  }
}

/** Maps issue paths to line/column of the YAML node (or its nearest existing parent). */
export class YamlLocator {
  private readonly lines = new LineCounter();
  readonly doc;

  constructor(text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: true, uniqueKeys: true });
  }

  locate(issue: FileIssue): LocatedIssue {
    if (issue.atKey) {
      const parent = this.doc.getIn(issue.path.slice(0, -1), true);
      const last = issue.path[issue.path.length - 1];
      const pair = isMap(parent)
        ? parent.items.find((p) => isScalar(p.key) && p.key.value === last)
        : undefined;
      const range = isScalar(pair?.key) ? pair.key.range : undefined;
      if (range) {
        const pos = this.lines.linePos(range[0]);
        return { ...issue, line: pos.line, column: pos.col };
      }
    }
    for (let n = issue.path.length; n >= 0; n--) {
      const node = this.doc.getIn(issue.path.slice(0, n), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range) {
        const pos = this.lines.linePos(node.range[0]);
        return { ...issue, line: pos.line, column: pos.col };
      }
    }
    return issue;
  }
}

function zodIssues(error: z.ZodError): FileIssue[] {
  return error.issues.map((issue) => {
    // Point unknown-key errors at the key itself rather than the enclosing object.
    if (issue.code === "unrecognized_keys" && issue.keys.length === 1) {
      return { path: [...issue.path, issue.keys[0]] as IssuePath, message: issue.message, atKey: true };
    }
    const input = issue.code === "unrecognized_keys" ? undefined : issue.input;
    return {
      path: issue.path as IssuePath,
      message: issue.message,
      ...(input !== undefined ? { input } : {}),
    };
  });
}

/** A YAML file as checked: the document (undefined if it is not a YAML mapping), the value if valid, every problem. */
export interface CheckedYaml<T> {
  raw: unknown;
  value?: T;
  issues: LocatedIssue[];
  locator: YamlLocator;
}

/**
 * Parses YAML text and validates it with `schema`, listing every problem: when the schema fails,
 * `alsoCheck` adds the problems it finds in the raw document (checks beyond the schema that need
 * only the part they check), so one pass reports them all, in file order.
 */
export function checkYaml<S extends z.ZodType>(
  schema: S,
  text: string,
  kind: string,
  alsoCheck?: (raw: unknown) => FileIssue[],
): CheckedYaml<z.output<S>> {
  const locator = new YamlLocator(text);
  const { doc } = locator;
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({
      path: [],
      message: `YAML syntax: ${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
      line: e.linePos?.[0].line,
      column: e.linePos?.[0].col,
    }));
    return { raw: undefined, issues, locator };
  }
  if (!isCollection(doc.contents)) {
    return {
      raw: undefined,
      issues: [{ path: [], message: `the ${kind} file must be a YAML mapping` }],
      locator,
    };
  }
  const raw = doc.toJS();
  const result = schema.safeParse(raw, { reportInput: true });
  if (result.success) return { raw, value: result.data, issues: [], locator };
  const issues = [...zodIssues(result.error), ...(alsoCheck?.(raw) ?? [])].map((i) => locator.locate(i));
  const at = (i: LocatedIssue) => (i.line ?? 0) * 1e6 + (i.column ?? 0);
  return { raw, issues: issues.sort((a, b) => at(a) - at(b)), locator };
}

/** checkYaml, throwing FileError listing every problem; nothing is returned from a file with any error. */
export function parseYaml<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  kind: string,
  alsoCheck?: (raw: unknown) => FileIssue[],
): { value: z.output<S>; locator: YamlLocator } {
  const checked = checkYaml(schema, text, kind, alsoCheck);
  if (checked.issues.length > 0) throw new FileError(kind, file, checked.issues);
  return { value: checked.value as z.output<S>, locator: checked.locator };
}

/** Why a file could not be read, as the end of a sentence, with the usual fix. */
export function unreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file (check the path)";
  if (code === "EISDIR") return "it is a folder (give the path of a file)";
  if (code === "EACCES" || code === "EPERM") return "permission denied (check the file's permissions)";
  return (err as Error).message;
}

/**
 * Reads a file as text; a missing or unreadable file is a FileError (one line naming the file,
 * why, and `fix` when given), not a crash.
 */
export function readTextFile(file: string, kind: string, fix?: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const why = unreadable(err);
    const message = `cannot read the ${kind} file: ${why}${fix ? `; ${fix}` : ""}`;
    throw new FileError(kind, file, [{ path: [], message }]);
  }
}

/** z.strictObject whose unknown-key error names the allowed keys. */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}; allowed fields: ${allowed}`
        : undefined,
  });
}
