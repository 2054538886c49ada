/**
 * Shared HTTP plumbing for HTTP sinks: one keep-alive client per destination origin, TLS
 * verification on unless explicitly (and loudly) disabled, and the common status-code
 * classification. Sinks add only their destination-specific hints to the messages.
 * The client is Node's own http/https with a keep-alive Agent (native HTTP parser): for a
 * sender's few large POSTs it took a third of undici's CPU (100 requests of 645 KB: 60 against
 * 200 ms, undici's WebAssembly parser compiled at start included) and ~25 MiB less memory.
 */
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { parseRetryAfter } from "./retry";
import type { SendOutcome } from "./sink";

export interface HttpTarget {
  url: URL;
  /** Connections in the pool; match the exporter's maxInFlight. */
  connections: number;
  /** Disables TLS certificate verification. Only for test endpoints; warns on every start. */
  insecureSkipVerify?: boolean;
}

export interface HttpRequest {
  method: string;
  /** Path and query, e.g. /api/v2/logs. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | string;
  signal: AbortSignal;
}

export interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** Must be read to the end (readBody) so the connection can be reused. */
  body: AsyncIterable<Buffer>;
}

/** Requests to one origin over at most `connections` keep-alive connections. */
export interface HttpClient {
  /** Resolves with the answer's head; rejects on a network failure or abort. */
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export function createClient(
  target: HttpTarget,
  warn: (msg: string) => void = (m) => process.stderr.write(`${m}\n`),
): HttpClient {
  const secure = target.url.protocol === "https:";
  if (target.insecureSkipVerify && secure) {
    warn(
      `WARNING: TLS certificate verification is DISABLED for ${target.url.origin} (insecureSkipVerify). ` +
        "Anyone on the network path can read and alter the audit events. Use only for test endpoints.",
    );
  }
  const options = { keepAlive: true, maxSockets: target.connections };
  const agent = secure
    ? new https.Agent({ ...options, rejectUnauthorized: !target.insecureSkipVerify })
    : new http.Agent(options);
  const send = secure ? https.request : http.request;
  const host = target.url.hostname.replace(/^\[(.*)\]$/, "$1"); // [::1] -> ::1
  const port = target.url.port;
  return {
    request: ({ method, path, headers, body, signal }) =>
      new Promise((resolve, reject) => {
        const req = send(
          {
            host,
            port,
            method,
            path,
            agent,
            signal,
            headers: { ...headers, "content-length": Buffer.byteLength(body) },
          },
          (res) => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res }),
        );
        req.once("error", reject);
        req.end(body);
      }),
    close: async () => agent.destroy(),
  };
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

/** An answer read whole: its status, headers and (the start of) its body as text. */
export interface HttpAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** POSTs a body; a network failure comes back as its outcome (retryable), an answer read whole. */
export async function post(
  pool: HttpClient,
  req: Omit<HttpRequest, "method">,
): Promise<HttpAnswer | SendOutcome> {
  let res: HttpResponse;
  try {
    res = await pool.request({ method: "POST", ...req });
  } catch (err) {
    return networkFailure(err);
  }
  const text = await readBody(res.body).catch(() => "");
  return { statusCode: res.statusCode, headers: res.headers, text };
}
