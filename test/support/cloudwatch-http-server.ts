/**
 * A local stand-in for the CloudWatch Logs HTTP ingestion endpoint (/ingest/json) that enforces
 * the documented contract: POST, `Authorization: Bearer <API key>` (401), bearer authentication
 * enabled on the log group (401), `x-aws-log-group` and `x-aws-log-stream` present (400) and
 * existing (404), `Content-Type: application/json` (400), body <= 1 MiB (413), <= 10,000 events
 * and <= 256 KB per event (400); success is 200 with `{}`. Stored messages are kept per stream.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer } from "./loopback-server";

export class CloudWatchHttpServer extends LoopbackServer {
  readonly apiKey = "ACWL-test-key-5c1d";
  /** logGroup -> { bearerEnabled, streams: stream -> messages } */
  readonly groups = new Map<string, { bearerEnabled: boolean; streams: Map<string, string[]> }>();
  readonly requests: { status: number; bytes: number; events: number }[] = [];

  get endpoint(): string {
    return this.origin;
  }

  addStream(group: string, stream: string, bearerEnabled = true): this {
    const g = this.groups.get(group) ?? { bearerEnabled, streams: new Map() };
    g.bearerEnabled = bearerEnabled;
    g.streams.set(stream, []);
    this.groups.set(group, g);
    return this;
  }

  messages(group: string, stream: string): string[] {
    return this.groups.get(group)?.streams.get(stream) ?? [];
  }

  protected async handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const answer = (status: number, payload: object, events = 0) => {
      this.requests.push({ status, bytes: body.length, events });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
    };
    if (req.method !== "POST" || req.url !== "/ingest/json") return answer(404, { message: "unknown path" });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`)
      return answer(401, { message: "invalid bearer token" });
    const groupName = req.headers["x-aws-log-group"];
    const streamName = req.headers["x-aws-log-stream"];
    if (typeof groupName !== "string" || typeof streamName !== "string") {
      return answer(400, { message: "x-aws-log-group and x-aws-log-stream are required" });
    }
    const group = this.groups.get(groupName);
    if (group && !group.bearerEnabled)
      return answer(401, { message: "bearer token authentication is not enabled" });
    const stream = group?.streams.get(streamName);
    if (!stream) return answer(404, { message: "The specified log group or stream does not exist" });
    if (req.headers["content-type"] !== "application/json")
      return answer(400, { message: "content type must be application/json" });
    if (body.length > 1_048_576) return answer(413, { message: "payload too large" });
    let events: unknown;
    try {
      events = JSON.parse(body.toString("utf8"));
    } catch {
      return answer(400, { message: "malformed JSON" });
    }
    const list = Array.isArray(events) ? events : [events];
    if (list.length > 10_000) return answer(400, { message: "too many events" });
    for (const e of list) {
      if (e === null || typeof e !== "object")
        return answer(400, { message: "each event must be a JSON object" });
      if (Buffer.byteLength(JSON.stringify(e)) > 256 * 1024)
        return answer(400, { message: "event larger than 256 KB" });
    }
    for (const e of list) stream.push(JSON.stringify(e));
    answer(200, {}, list.length);
  }
}
