/**
 * HEC's reply table and body rules, for the HEC contract server: each code's text and status
 * (../shared/reference/sigma-and-splunk.md, part 2), and how a body of concatenated JSON objects
 * is split and judged.
 */

export const TEXT: Record<number, string> = {
  0: "Success",
  1: "Token disabled",
  2: "Token is required",
  3: "Invalid authorization",
  4: "Invalid token",
  5: "No data",
  6: "Invalid data format",
  7: "Incorrect index",
  8: "Internal server error",
  9: "Server is busy",
  10: "Data channel is missing",
  11: "Invalid data channel",
  12: "Event field is required",
  13: "Event field cannot be blank",
  14: "ACK is disabled",
  15: "Error in handling indexed fields",
  16: "Query string authorization is not enabled",
  17: "HEC is healthy",
  18: "HEC is unhealthy, queues are full",
};
export const STATUS: Record<number, number> = { 1: 403, 2: 401, 3: 401, 4: 403, 8: 500, 9: 503, 18: 503 };

export function isBlank(event: unknown): boolean {
  if (typeof event === "string") return event.trim() === "";
  return typeof event === "object" && Object.keys(event as object).length === 0;
}

/** `fields` must be one level of strings, numbers or arrays of them. */
export function flat(fields: unknown): boolean {
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) return false;
  const scalar = (v: unknown) => typeof v === "string" || typeof v === "number";
  return Object.values(fields).every((v) => scalar(v) || (Array.isArray(v) && v.every(scalar)));
}

/**
 * The JSON texts of a body of objects one after another (whitespace between allowed): each `{`
 * at depth 0 to its matching `}`, strings and escapes skipped. Anything else between objects is
 * kept as its own (invalid) text, so it is refused as invalid data.
 */
export function splitObjects(body: string): string[] {
  const texts: string[] = [];
  let i = 0;
  while (i < body.length) {
    while (i < body.length && /\s/.test(body[i] as string)) i++;
    if (i >= body.length) break;
    const start = i;
    if (body[i] !== "{") {
      texts.push(body.slice(start));
      break;
    }
    let depth = 0;
    let inString = false;
    for (; i < body.length; i++) {
      const c = body[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        i++;
        break;
      }
    }
    texts.push(body.slice(start, i));
  }
  return texts;
}
