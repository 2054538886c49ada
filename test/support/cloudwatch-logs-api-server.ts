/**
 * A local stand-in for the CloudWatch Logs control-plane action moto does not implement,
 * PutBearerTokenAuthentication, speaking the real wire protocol (JSON 1.1, X-Amz-Target
 * Logs_20140328.*). It enforces what AWS does: a SigV4 Authorization header for the logs
 * service, the documented request fields and types, ResourceNotFoundException for an unknown
 * log group; anything else is UnknownOperationException.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export class CloudWatchLogsApiServer {
  /** logGroupName -> bearer token authentication enabled */
  readonly groups = new Map<string, boolean>();
  readonly calls: { target: string; body: Record<string, unknown> }[] = [];
  private server: Server | undefined;
  private port = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const fail = (status: number, type: string, message: string) =>
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
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
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
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
