/**
 * A local Datadog Logs intake v2 enforcing the documented contract: POST /api/v2/logs, a
 * DD-API-KEY header (401 missing, 403 invalid), Content-Type application/json, gzip bodies
 * decoded when Content-Encoding says so (400 if corrupt), <= 5 MB uncompressed (413), a JSON
 * array of <= 1000 objects (400), 202 on success. Logs are kept for inspection.
 * Stricter than Datadog on one point: a `status` that is not one of the documented values is a
 * 400 here, where Datadog would quietly file the log as info.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { LoopbackServer } from "./loopback-server";

/** Log status values, as Datadog's Log Status Remapper documents them (warning/emergency as spelled out). */
export const DOCUMENTED_STATUSES = [
  "emerg",
  "emergency",
  "alert",
  "critical",
  "error",
  "warn",
  "warning",
  "notice",
  "info",
  "debug",
  "ok",
];

export class DatadogIntakeServer extends LoopbackServer {
  readonly apiKey = "dd0123456789abcdef0123456789abcd";
  maxUncompressedBytes = 5 * 1024 * 1024;
  readonly logs: Record<string, unknown>[] = [];
  readonly requests: { status: number; compressedBytes: number; bytes: number; entries: number }[] = [];

  get url(): string {
    return `${this.origin}/api/v2/logs`;
  }

  protected handle(req: IncomingMessage, body: Buffer, res: ServerResponse): ServerResponse {
    let raw = body;
    const answer = (status: number, payload: object, entries = 0) => {
      this.requests.push({ status, compressedBytes: body.length, bytes: raw.length, entries });
      return res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
    };
    if (req.method !== "POST" || req.url !== "/api/v2/logs") return answer(404, { errors: ["Not found"] });
    const key = req.headers["dd-api-key"];
    if (!key) return answer(401, { errors: ["Unauthorized: missing API key"] });
    if (key !== this.apiKey) return answer(403, { errors: ["Forbidden: invalid API key"] });
    if (req.headers["content-type"] !== "application/json")
      return answer(400, { errors: ["Content-Type must be application/json"] });
    if (req.headers["content-encoding"] === "gzip") {
      try {
        raw = gunzipSync(body);
      } catch {
        return answer(400, { errors: ["invalid gzip body"] });
      }
    }
    if (raw.length > this.maxUncompressedBytes) return answer(413, { errors: ["Payload too large"] });
    let logs: unknown;
    try {
      logs = JSON.parse(raw.toString("utf8"));
    } catch {
      return answer(400, { errors: ["malformed JSON"] });
    }
    if (!Array.isArray(logs) || logs.length > 1000 || !logs.every((l) => l && typeof l === "object")) {
      return answer(400, { errors: ["expected a JSON array of at most 1000 log objects"] });
    }
    const badStatus = (logs as Record<string, unknown>[]).find(
      (l) => l.status !== undefined && !DOCUMENTED_STATUSES.includes(String(l.status)),
    );
    if (badStatus) {
      return answer(400, {
        errors: [
          `status ${JSON.stringify(badStatus.status)} is not one of ${DOCUMENTED_STATUSES.join(", ")}`,
        ],
      });
    }
    this.logs.push(...(logs as Record<string, unknown>[]));
    return answer(202, {}, logs.length);
  }
}
