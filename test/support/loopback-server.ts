/**
 * Base of the local test servers: listens on a free 127.0.0.1 port (HTTPS when given a key and
 * certificate), reads each request body, hands it to `handle`, and closes every connection on stop.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export abstract class LoopbackServer {
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly tls?: { key: string; cert: string }) {}

  /** http(s)://127.0.0.1:<port> */
  get origin(): string {
    return `${this.tls ? "https" : "http"}://127.0.0.1:${this.port}`;
  }

  protected abstract handle(req: IncomingMessage, body: Buffer, res: ServerResponse): unknown;

  async start(): Promise<this> {
    const listener = async (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      await this.handle(req, Buffer.concat(chunks), res);
    };
    this.server = this.tls ? createHttpsServer(this.tls, listener) : createServer(listener);
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
