/**
 * Request bodies made of JSON texts (NDJSON lines, JSON array elements), written straight into
 * one buffer sized up front: no joined string to build and then encode again (0.4 against 1.4 µs
 * per 645 B event measured). ASCII texts, the usual case, are copied byte for byte.
 */

/**
 * `open + texts.join(separator) + close` as UTF-8, e.g. a JSON array ("[", ",", "]") or NDJSON
 * ("", "\n", "\n"). The three are ASCII.
 */
export function joinJson(texts: readonly string[], open: string, separator: string, close: string): Buffer {
  const sizes = new Array<number>(texts.length);
  let total = open.length + close.length + Math.max(texts.length - 1, 0) * separator.length;
  for (let i = 0; i < texts.length; i++) {
    const size = Buffer.byteLength(texts[i] as string);
    sizes[i] = size;
    total += size;
  }
  const out = Buffer.allocUnsafe(total);
  let at = out.write(open, 0, "latin1");
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i] as string;
    const size = sizes[i] as number;
    // Only ASCII has as many UTF-8 bytes as characters: those copy as latin1, faster.
    at += out.write(text, at, size, size === text.length ? "latin1" : "utf8");
    if (i < texts.length - 1) at += out.write(separator, at, "latin1");
  }
  out.write(close, at, "latin1");
  return out;
}
