/**
 * A local stand-in for the Datadog API endpoints the smoke check uses, enforcing their keys:
 * GET /api/v1/validate (API key), POST /api/v2/logs/events/search and the monitor endpoints
 * (API key + application key, 403 otherwise). Search runs `key:value` terms over the logs a
 * DatadogIntakeServer received; monitor validation accepts only log-alert queries of the
 * documented form, like Datadog's validator. Unknown routes are 404; `failWith` fakes an outage.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DatadogIntakeServer } from "./datadog-intake-server";
import { LoopbackServer } from "./loopback-server";

interface RequestBody {
  filter?: { query?: unknown };
  page?: { limit?: number };
  type?: unknown;
  query?: unknown;
}

export class DatadogApiServer extends LoopbackServer {
  readonly appKey = "app0123456789abcdef0123456789abcdef01234";
  readonly monitors = new Map<string, string>();
  /** When set, every call is answered with this status (an outage, a proxy error). */
  failWith: number | undefined;

  constructor(private readonly intake: DatadogIntakeServer) {
    super();
  }

  protected handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): ServerResponse {
    const reply = (status: number, payload: object) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
    if (this.failWith) return reply(this.failWith, { errors: ["Internal Server Error"] });
    // An unknown route is a 404 whatever the keys, as at a wrong URL.
    if (!/^\/api\/v(1\/validate|2\/logs\/events\/search|1\/monitor\/[^/]+)$/.test(req.url ?? ""))
      return reply(404, { errors: ["Not found"] });
    const apiOk = req.headers["dd-api-key"] === this.intake.apiKey;
    if (req.method === "GET" && req.url === "/api/v1/validate") {
      return apiOk ? reply(200, { valid: true }) : reply(403, { errors: ["Forbidden"] });
    }
    if (!apiOk || req.headers["dd-application-key"] !== this.appKey)
      return reply(403, { errors: ["Forbidden"] });
    const body = raw.length ? (JSON.parse(raw.toString("utf8")) as RequestBody) : {};
    if (req.method === "POST" && req.url === "/api/v2/logs/events/search") {
      const query = body.filter?.query;
      if (typeof query !== "string") return reply(400, { errors: ["filter.query is required"] });
      const terms = query.split(" ").map((t) => t.split(":") as [string, string]);
      const data = this.intake.logs.filter((log) =>
        terms.every(([k, v]) => String(log[k.startsWith("@") ? k.slice(1) : k]) === v),
      );
      return reply(200, {
        data: data.slice(0, body.page?.limit ?? 10).map((attributes) => ({ attributes })),
      });
    }
    if (req.method === "POST" && req.url === "/api/v1/monitor/validate") {
      const ok =
        body.type === "log alert" &&
        /^logs\(".+"\)\.index\("[^"]+"\)\.rollup\("count"\)\.last\("\d+[mhd]"\) (>|>=|<|<=|==|!=) \d+$/.test(
          String(body.query),
        );
      return ok
        ? reply(200, {})
        : reply(400, { errors: ["The value provided for parameter 'query' is invalid"] });
    }
    const monitor = /^\/api\/v1\/monitor\/([^/]+)$/.exec(req.url ?? "");
    if (req.method === "GET" && monitor) {
      const name = this.monitors.get(decodeURIComponent(monitor[1] as string));
      return name ? reply(200, { id: monitor[1], name }) : reply(404, { errors: ["Monitor not found"] });
    }
    return reply(404, { errors: ["Not found"] });
  }
}
