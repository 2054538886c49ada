/**
 * A local stand-in for the CloudWatch Logs control-plane action moto does not implement,
 * PutBearerTokenAuthentication, speaking the real wire protocol (JSON 1.1, X-Amz-Target
 * Logs_20140328.*). It enforces what AWS does: a SigV4 Authorization header for the logs
 * service, the documented request fields and types, ResourceNotFoundException for an unknown
 * log group; anything else is UnknownOperationException.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer } from "./loopback-server";

export class CloudWatchLogsApiServer extends LoopbackServer {
  /** logGroupName -> bearer token authentication enabled */
  readonly groups = new Map<string, boolean>();
  readonly calls: { target: string; body: Record<string, unknown> }[] = [];

  get endpoint(): string {
    return this.origin;
  }

  protected handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): ServerResponse {
    const fail = (status: number, type: string, message: string): ServerResponse =>
      res
        .writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type })
        .end(JSON.stringify({ __type: type, message }));
    const auth = String(req.headers.authorization ?? "");
    if (
      !/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/logs\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/.test(
        auth,
      )
    ) {
      return fail(
        403,
        "MissingAuthenticationTokenException",
        "Missing or malformed SigV4 Authorization header",
      );
    }
    const target = String(req.headers["x-amz-target"] ?? "");
    const body = JSON.parse(raw.toString("utf8") || "{}") as Record<string, unknown>;
    this.calls.push({ target, body });
    if (target !== "Logs_20140328.PutBearerTokenAuthentication") {
      return fail(400, "UnknownOperationException", `${target} is not implemented by this test server`);
    }
    const group = body.logGroupIdentifier;
    if (
      typeof group !== "string" ||
      !/^[\w#+=/:,.@-]{1,2048}$/.test(group) ||
      typeof body.bearerTokenAuthenticationEnabled !== "boolean"
    ) {
      return fail(
        400,
        "InvalidParameterException",
        "logGroupIdentifier (string) and bearerTokenAuthenticationEnabled (boolean) are required",
      );
    }
    if (!this.groups.has(group))
      return fail(400, "ResourceNotFoundException", "The specified log group does not exist.");
    this.groups.set(group, body.bearerTokenAuthenticationEnabled);
    return res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end();
  }
}
