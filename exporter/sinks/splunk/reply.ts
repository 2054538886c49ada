/**
 * What an HEC answer means for the events, from Splunk's table of `{"text","code"}` replies:
 * retry only when HEC is busy or failed (500 code 8, 503 codes 9 and 18-20, with Retry-After);
 * dead-letter what condemns the data (invalid format, missing or blank event, indexed fields,
 * incorrect index); stop the run when the sender is refused (token codes 1-4, a channel or
 * acknowledgement mismatch, query-string auth). Answers without an HEC code (a proxy, LogScale or
 * Cribl speaking plain HTTP) fall back to the shared HTTP classification.
 */
import { classifyStatus, type StatusHints } from "../../pipeline/http";
import { parseRetryAfter } from "../../pipeline/retry";
import type { SendOutcome } from "../../pipeline/sink";

export interface HecReply {
  text?: string;
  code?: number;
  ackId?: number;
  /** Which event of the batch HEC refused (data errors). */
  invalidEvent?: number;
}

/** The reply body, when it is HEC's JSON. */
export function parseReply(body: string): HecReply | undefined {
  try {
    const r = JSON.parse(body) as Record<string, unknown>;
    if (typeof r !== "object" || r === null) return undefined;
    return {
      ...(typeof r.text === "string" ? { text: r.text } : {}),
      ...(typeof r.code === "number" ? { code: r.code } : {}),
      ...(typeof r.ackId === "number" ? { ackId: r.ackId } : {}),
      ...(typeof r["invalid-event-number"] === "number" ? { invalidEvent: r["invalid-event-number"] } : {}),
    };
  } catch {
    return undefined;
  }
}

export interface HecHints extends StatusHints {
  /** Code 7: which index was asked for. */
  index: string;
}

const TOKEN_CODES = new Set([1, 2, 3, 4]);
const DATA_CODES = new Set([5, 6, 12, 13, 15]);
const BUSY_CODES = new Set([8, 9, 18, 19, 20]);

/** Classifies an answer other than success; `reply` is its parsed body, if HEC's. */
export function classifyHec(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  reply: HecReply | undefined,
  hints: HecHints,
): SendOutcome {
  const code = reply?.code;
  if (status === 413 || code === undefined) return classifyStatus(status, headers, body, hints);
  const said = `HTTP ${status} "${reply?.text ?? ""}" (code ${code}${reply?.invalidEvent !== undefined ? `, event ${reply.invalidEvent}` : ""})`;
  if (BUSY_CODES.has(code) || status === 500 || status === 503) {
    const retryAfterMs = parseRetryAfter(headers["retry-after"]);
    return { kind: "retryable", reason: said, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (TOKEN_CODES.has(code))
    return { kind: "stop", reason: `${said}: the HEC token was refused: ${hints.auth}` };
  if (DATA_CODES.has(code)) return { kind: "permanent", reason: said };
  if (code === 7)
    return {
      kind: "permanent",
      reason: `${said}: the token may not write to index "${hints.index}" (splunk.index); allow it on the token or pick the token's index`,
    };
  if (code === 10 || code === 11)
    return {
      kind: "stop",
      reason: `${said}: the token requires indexer acknowledgement: set splunk.useAck: true`,
    };
  if (code === 14)
    return {
      kind: "stop",
      reason: `${said}: indexer acknowledgement is off on the token: set splunk.useAck: false, or turn useACK on for the token`,
    };
  return { kind: "stop", reason: `${said}: HEC refused the request itself, not the events` };
}
