/**
 * A small client for Splunk's REST API on the management port: form-urlencoded bodies with sorted
 * keys (the same inputs always send the same bytes), `output_mode=json`, one error line per
 * failure naming the call and the likely fix, never the credential. Node built-ins only, required
 * inside the functions: the dynamic providers carry this code into Pulumi's provider process.
 */

export interface SplunkConnection {
  /** https://splunk.example.com:8089 */
  url: string;
  /** Skip TLS certificate verification (self-signed lab servers only; the component warns). */
  insecureSkipVerify?: boolean;
}

/** A form value: text, or a list sent as repeated keys. */
export type Form = Record<string, string | readonly string[]>;

export interface SplunkEntry {
  name: string;
  content: Record<string, unknown>;
}

export class SplunkRestError extends Error {
  override name = "SplunkRestError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The body of a form with its keys sorted. */
export function formBody(form: Form): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(form).sort()) {
    const value = form[key] as string | readonly string[];
    for (const v of typeof value === "string" ? [value] : value) params.append(key, v);
  }
  return params.toString();
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function hintFor(status: number): string {
  if (status === 401)
    return "the credential was refused: check splunk:token (or splunk:username / splunk:password)";
  if (status === 403)
    return "the credential lacks a capability: use an admin role (indexes_edit, edit_token_http, schedule_search)";
  if (status === 404) return "not found: check managementUrl, the app and the owner";
  if (status === 409) return "it already exists: import it into the stack or choose another name";
  return "see Splunk's message";
}

/**
 * One REST call: `method path` with `form` (POST) and output_mode=json; resolves with the parsed
 * body and status (404 included: callers decide what a missing entity means); other failures throw.
 */
export async function splunkRequest(
  conn: SplunkConnection,
  authorization: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  form?: Form,
): Promise<{ status: number; body: { entry?: SplunkEntry[]; messages?: { type: string; text: string }[] } }> {
  const http = require("node:http") as typeof import("node:http");
  const https = require("node:https") as typeof import("node:https");
  const url = new URL(path, conn.url);
  url.searchParams.set("output_mode", "json");
  const body = form ? formBody(form) : undefined;
  const secure = url.protocol === "https:";
  const what = `Splunk REST ${method} ${url.pathname}`;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      {
        method,
        headers: {
          Authorization: authorization,
          ...(body !== undefined
            ? {
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": Buffer.byteLength(body),
              }
            : {}),
        },
        ...(secure ? { rejectUnauthorized: !conn.insecureSkipVerify } : {}),
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer in 60 s")));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const hint = TLS_CODES.has(err.code ?? "")
        ? ` (the server's certificate is not trusted: add its CA with NODE_EXTRA_CA_CERTS=<pem file>, or for a lab server set keytos-siem:splunk.insecureSkipVerify: true)`
        : "";
      reject(new SplunkRestError(`${what} to ${url.origin} failed: ${err.message}${hint}`, 0));
    });
    req.end(body);
  });
  let parsed: { entry?: SplunkEntry[]; messages?: { type: string; text: string }[] } = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { messages: [{ type: "ERROR", text: text.slice(0, 200) }] };
  }
  if (status >= 200 && status < 300) return { status, body: parsed };
  if (status === 404 && method !== "POST") return { status, body: parsed };
  const said = (parsed.messages ?? []).map((m) => m.text).join("; ") || `HTTP ${status}`;
  throw new SplunkRestError(`${what} failed: ${status} ${said} (${hintFor(status)})`, status);
}

/** The first entry's content of a successful answer. */
export function firstEntry(body: { entry?: SplunkEntry[] }, what: string): SplunkEntry {
  const entry = body.entry?.[0];
  if (!entry) throw new SplunkRestError(`${what}: Splunk answered without an entry`, 0);
  return entry;
}

/** A content value as the text it was sent as (Splunk answers booleans and numbers typed). */
export function asFormValue(value: unknown): string {
  if (value === true) return "1";
  if (value === false) return "0";
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(asFormValue).join(",");
  return String(value);
}
