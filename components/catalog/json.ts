/** JSON with sorted keys: byte-stable output for the same value (diffs, dedupe, golden tests). */
import { configure } from "safe-stable-stringify";

const stringify = configure({ deterministic: true, bigint: false });

export function stableJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError("value is not JSON-serialisable");
  return text;
}
