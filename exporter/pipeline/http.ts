/**
 * Shared HTTP plumbing for HTTP sinks: one keep-alive undici Pool per destination origin, TLS
 * verification on unless explicitly (and loudly) disabled, and the common status-code
 * classification. Sinks add only their destination-specific hints to the messages.
 */
import { Pool } from "undici";
import { parseRetryAfter } from "./retry";
import type { SendOutcome } from "./sink";

export interface HttpTarget {
  url: URL;
  /** Connections in the pool; match the exporter's maxInFlight. */
  connections: number;
  /** Disables TLS certificate verification. Only for test endpoints; warns on every start. */
  insecureSkipVerify?: boolean;
}

export function createPool(
  target: HttpTarget,
  warn: (msg: string) => void = (m) => process.stderr.write(`${m}\n`),
): Pool {
  if (target.insecureSkipVerify && target.url.protocol === "https:") {
    warn(
      `WARNING: TLS certificate verification is DISABLED for ${target.url.origin} (insecureSkipVerify). ` +
        "Anyone on the network path can read and alter the audit events. Use only for test endpoints.",
    );
  }
  return new Pool(target.url.origin, {
    connections: target.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: { rejectUnauthorized: !target.insecureSkipVerify },
  });
}

/** Messages a sink adds for the statuses whose cause is destination-specific. */
export interface StatusHints {
  /** 401/403: the credential and how to fix it, e.g. "check DD_API_KEY and the site". */
  auth: string;
  /** 404/405/410: what is missing, e.g. "log group X does not exist" or "no intake at URL". */
  notFound: string;
}

const RETRYABLE = new Set([408, 425, 429]);
/** Answers that condemn the request body, i.e. the events in it. */
const EVENTS_REJECTED = new Set([400, 422]);

/**
 * Classifies an HTTP answer. `body` is the (truncated) response text, quoted in messages. Only a
 * 400 or 422 condemns the events; any other refusal (401, 403, 404, 415...) is about the sender,
 * its credential or its target, and stops the run with the events kept in the spool.
 */
export function classifyStatus(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  hints: StatusHints,
): SendOutcome {
  if (status >= 200 && status < 300) return { kind: "ok" };
  const said = body.trim() ? `: ${body.trim().slice(0, 300)}` : "";
  if (status === 413) return { kind: "too-large", reason: `HTTP 413${said}` };
  if (RETRYABLE.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers["retry-after"]);
    return {
      kind: "retryable",
      reason: `HTTP ${status}${said}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (EVENTS_REJECTED.has(status)) return { kind: "permanent", reason: `HTTP ${status}${said}` };
  if (status === 401 || status === 403 || status === 407) {
    return { kind: "stop", reason: `HTTP ${status} (authentication failed: ${hints.auth})${said}` };
  }
  if (status === 404 || status === 405 || status === 410) {
    return { kind: "stop", reason: `HTTP ${status} (${hints.notFound})${said}` };
  }
  return {
    kind: "stop",
    reason: `HTTP ${status} (the destination refused the request itself, not the events)${said}`,
  };
}

/** Network-level failures (reset, refused, timeout) are transient. */
export function networkFailure(err: unknown): SendOutcome {
  const e = err as { code?: string; name?: string; message?: string };
  return {
    kind: "retryable",
    reason: `network error ${e.code ?? e.name ?? ""}: ${e.message ?? String(err)}`.trim(),
  };
}

/** Reads at most `limit` bytes of a response body as text and discards the rest (bodies must be consumed). */
export async function readBody(body: AsyncIterable<Buffer>, limit = 4096): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, limit);
}
