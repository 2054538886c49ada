/**
 * A local Azure Monitor Logs Ingestion API over HTTPS, enforcing the documented contract:
 *   POST /dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01
 *   Authorization: Bearer <token> (401 missing or wrong), Content-Type application/json (415),
 *   gzip bodies decoded when Content-Encoding says so (400 if corrupt), at most 1 MB compressed
 *   and uncompressed (413), a JSON array of objects (400), unknown DCR or stream (404),
 *   204 on success. Rows are checked against the stream declaration: undeclared columns and
 *   type mismatches are recorded in `problems` (the service would drop or null them).
 * Scripted faults (429 with Retry-After, 5xx, ...) are consumed one per ingestion request.
 * It also answers the Log Analytics query API for the one query shape the smoke test sends
 * (`Table | where Column == value`, chained), showing rows only `visibleAfterMs` after ingestion.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import type { DcrBody } from "../../components/azure/dcr";
import { LoopbackServer } from "./loopback-server";
import { testCertificate } from "./tls";

export const API_VERSION = "2023-01-01";
export const MAX_BODY_BYTES = 1024 * 1024;

export interface IngestionFault {
  status: number;
  retryAfter?: string;
  code?: string;
}

export interface IngestionRequest {
  status: number;
  stream: string;
  rows: number;
  compressedBytes: number;
  bytes: number;
}

type Columns = DcrBody["streamDeclarations"][string]["columns"];

export class AzureIngestionServer extends LoopbackServer {
  readonly token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.test-monitor-token";
  readonly caFile: string;
  /** Rows by output table, with the time they were ingested. */
  readonly tables = new Map<string, { row: Record<string, unknown>; at: number }[]>();
  readonly requests: IngestionRequest[] = [];
  readonly queries: { path: string; query: string }[] = [];
  /** Rows that did not match their stream declaration, described. */
  readonly problems: string[] = [];
  /** How long ingested rows take to become queryable. */
  visibleAfterMs = 0;
  private faults: IngestionFault[] = [];
  private readonly streams: Map<string, Map<string, { columns: Columns; table: string }>>;

  /** `dcrs`: immutable id -> the DCR's body (stream declarations and data flows). */
  constructor(dcrs: Record<string, DcrBody<unknown>>) {
    const cert = testCertificate();
    super({ key: cert.key, cert: cert.cert });
    this.caFile = cert.caFile;
    this.streams = new Map(
      Object.entries(dcrs).map(([id, body]) => [
        id,
        new Map(
          Object.entries(body.streamDeclarations).map(([stream, decl]) => {
            const flow = body.dataFlows.find((f) => f.streams.includes(stream));
            return [
              stream,
              { columns: decl.columns, table: (flow?.outputStream ?? stream).replace(/^Custom-/, "") },
            ];
          }),
        ),
      ]),
    );
  }

  /** The next ingestion requests fail with these answers, one each. */
  fail(...faults: IngestionFault[]): void {
    this.faults.push(...faults);
  }

  clearFaults(): void {
    this.faults = [];
  }

  rows(table: string): Record<string, unknown>[] {
    return (this.tables.get(table) ?? []).map((r) => r.row);
  }

  protected handle(req: IncomingMessage, body: Buffer, res: ServerResponse): ServerResponse {
    const url = new URL(req.url ?? "/", this.origin);
    if (req.method === "POST" && /\/query$/.test(url.pathname)) return this.query(req, body, res);
    const answer = (status: number, stream: string, code?: string, message?: string, extra = {}) => {
      this.requests.push({
        status,
        stream,
        rows: 0,
        compressedBytes: body.length,
        bytes: body.length,
        ...extra,
      });
      const payload = code ? JSON.stringify({ error: { code, message: message ?? code } }) : undefined;
      return res.writeHead(status, payload ? { "content-type": "application/json" } : {}).end(payload);
    };
    const m = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    if (req.method !== "POST" || !m)
      return answer(404, "", "NotFound", `no route ${req.method} ${url.pathname}`);
    const [, dcr, streamRaw] = m as unknown as [string, string, string];
    const stream = decodeURIComponent(streamRaw);
    if (url.searchParams.get("api-version") !== API_VERSION) {
      return answer(400, stream, "InvalidApiVersion", `api-version must be ${API_VERSION}`);
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return answer(401, stream, "InvalidToken", "missing or invalid bearer token");
    }
    const fault = this.faults.shift();
    if (fault) {
      this.requests.push({ status: fault.status, stream, rows: 0, compressedBytes: body.length, bytes: 0 });
      return res
        .writeHead(fault.status, {
          "content-type": "application/json",
          ...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}),
        })
        .end(
          JSON.stringify({
            error: { code: fault.code ?? `Status${fault.status}`, message: "scripted fault" },
          }),
        );
    }
    const declared = this.streams.get(dcr)?.get(stream);
    if (!this.streams.has(dcr))
      return answer(404, stream, "DcrNotFound", `data collection rule ${dcr} not found`);
    if (!declared) return answer(404, stream, "InvalidStream", `stream ${stream} is not declared in ${dcr}`);
    if (!String(req.headers["content-type"]).startsWith("application/json")) {
      return answer(415, stream, "UnsupportedMediaType", "Content-Type must be application/json");
    }
    if (body.length > MAX_BODY_BYTES)
      return answer(413, stream, "ContentLengthLimitExceeded", "body over 1 MB");
    let raw = body;
    if (req.headers["content-encoding"] === "gzip") {
      try {
        raw = gunzipSync(body);
      } catch {
        return answer(400, stream, "InvalidContentEncoding", "body is not valid gzip");
      }
    }
    if (raw.length > MAX_BODY_BYTES) {
      return answer(413, stream, "ContentLengthLimitExceeded", "uncompressed body over 1 MB", {
        bytes: raw.length,
      });
    }
    let rows: unknown;
    try {
      rows = JSON.parse(raw.toString("utf8"));
    } catch {
      return answer(400, stream, "InvalidPayload", "body is not JSON");
    }
    if (!Array.isArray(rows) || !rows.every((r) => r && typeof r === "object" && !Array.isArray(r))) {
      return answer(400, stream, "InvalidPayload", "body must be a JSON array of objects");
    }
    const at = Date.now();
    const table = this.tables.get(declared.table) ?? [];
    this.tables.set(declared.table, table);
    for (const row of rows as Record<string, unknown>[]) {
      this.check(stream, declared.columns, row);
      table.push({ row, at });
    }
    this.requests.push({
      status: 204,
      stream,
      rows: rows.length,
      compressedBytes: body.length,
      bytes: raw.length,
    });
    return res.writeHead(204).end();
  }

  private check(stream: string, columns: Columns, row: Record<string, unknown>): void {
    const types = new Map(columns.map((c) => [c.name, c.type]));
    for (const [name, value] of Object.entries(row)) {
      const type = types.get(name);
      if (!type) this.problems.push(`${stream}: undeclared column ${name}`);
      else if (value !== null && !matches(type, value)) {
        this.problems.push(`${stream}: ${name} is ${type} but got ${JSON.stringify(value)}`);
      }
    }
  }

  /** Log Analytics query API: `Table | where Col == "text" | where Col == 123 ...`, all columns of matching visible rows. */
  private query(req: IncomingMessage, body: Buffer, res: ServerResponse): ServerResponse {
    const json = (status: number, payload: object) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return json(401, { error: { code: "InvalidTokenError", message: "missing or invalid bearer token" } });
    }
    const { query } = JSON.parse(body.toString("utf8")) as { query: string };
    this.queries.push({ path: req.url ?? "", query });
    const [source, ...stages] = query.split("|").map((s) => s.trim());
    const filters = stages.map((stage) => /^where\s+(\w+)\s*==\s*(?:"([^"]*)"|(\d+(?:\.\d+)?))$/.exec(stage));
    if (!source || !/^\w+$/.test(source) || filters.some((f) => !f)) {
      return json(400, { error: { code: "BadArgumentError", message: `test server cannot run: ${query}` } });
    }
    const now = Date.now();
    const rows = (this.tables.get(source) ?? [])
      .filter((r) => now - r.at >= this.visibleAfterMs)
      .map((r) => r.row)
      .filter((row) =>
        filters.every((f) => {
          const [, column, text, num] = f as RegExpExecArray;
          return text !== undefined ? row[column as string] === text : row[column as string] === Number(num);
        }),
      );
    const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    return json(200, {
      tables: [
        {
          name: "PrimaryResult",
          columns: names.map((name) => ({ name, type: "string" })),
          rows: rows.map((r) => names.map((n) => (r[n] === undefined ? null : String(r[n])))),
        },
      ],
    });
  }
}

function matches(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
    case "dynamic":
      return typeof value === "string" || type === "dynamic";
    case "real":
    case "long":
    case "int":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "datetime":
      return typeof value === "string" && !Number.isNaN(Date.parse(value));
    default:
      return false;
  }
}
