/**
 * `--metrics-port`: the forwarder's status as Prometheus metrics (prom-client), read at each
 * scrape: consumer lag per partition, events delivered, per second, retried, dead-lettered (per
 * cause), requests in flight, whether reading is paused, rebalances; plus the process metrics.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { ForwardStatus } from "./status";

/** The forwarder's metrics, each filled from `status()` when scraped. */
export function forwardRegistry(status: () => ForwardStatus): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  /** A counter whose total the forwarder keeps: set at each scrape. */
  const total = (name: string, help: string, value: (s: ForwardStatus) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value(status()));
      },
    });
  const gauge = (name: string, help: string, value: (s: ForwardStatus) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value(status()));
      },
    });
  new Gauge({
    name: "keytos_forward_consumer_lag",
    help: "Events between the group's last commit and the end of the partition, per partition this forwarder owns",
    labelNames: ["topic", "partition"],
    registers,
    collect() {
      const s = status();
      this.reset();
      for (const p of s.partitions) this.set({ topic: s.topic, partition: String(p.partition) }, p.lag);
    },
  });
  new Counter({
    name: "keytos_forward_events_dead_lettered_total",
    help: "Events written to the dead-letter topic, per cause",
    labelNames: ["cause"],
    registers,
    collect() {
      this.reset();
      for (const [cause, n] of Object.entries(status().deadLetters)) this.inc({ cause }, n);
    },
  });
  total("keytos_forward_events_received_total", "Events read from the topic and admitted", (s) => s.received);
  total("keytos_forward_events_delivered_total", "Events the destination confirmed", (s) => s.delivered);
  total("keytos_forward_events_retried_total", "Event-attempts retried", (s) => s.retried);
  total(
    "keytos_forward_rebalances_total",
    "Consumer-group generations this forwarder left",
    (s) => s.rebalances,
  );
  gauge(
    "keytos_forward_events_per_second",
    "Events delivered per second, last 10 s",
    (s) => s.eventsPerSecond,
  );
  gauge("keytos_forward_in_flight_requests", "Requests to the destination in flight", (s) => s.inFlight);
  gauge("keytos_forward_queued_events", "Events read and waiting for a request", (s) => s.queued);
  gauge("keytos_forward_paused", "1 while reading is paused (back-pressure)", (s) => (s.paused ? 1 : 0));
  return registry;
}

/** Serves GET /metrics on the port (0: any free one); resolves once listening. */
export async function serveMetrics(
  port: number,
  status: () => ForwardStatus,
): Promise<{ port: number; close: () => Promise<void> }> {
  const registry = forwardRegistry(status);
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
