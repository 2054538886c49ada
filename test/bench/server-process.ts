/**
 * A benchmark's destination server in its own process, so it does not share the sender's CPU
 * time accounting or event loop. BENCH_SERVER picks the contract server: fault (NDJSON http
 * intake), datadog (Logs intake v2: JSON arrays, gzip or not), azure (Logs Ingestion API), splunk
 * (HTTP Event Collector).
 * Prints one JSON line describing how to reach it; then, counting the events of every accepted
 * request, `{"reached":N,"at":ms}` once BENCH_EXPECT events have arrived (`at`: the wall clock,
 * performance.timeOrigin + performance.now(), comparable across processes). When stdin ends it
 * prints `{"delivered":count}` and exits.
 */
import { dcrBody } from "../../components/azure/dcr";
import { AzureIngestionServer } from "../support/azure-ingestion-server";
import { DatadogIntakeServer } from "../support/datadog-intake-server";
import { FaultServer } from "../support/fault-server";
import { SplunkHecServer } from "../support/splunk-hec-server";

export const BENCH_DCR = "dcr-00000000000000000000000000000bec";

const expect = Number(process.env.BENCH_EXPECT ?? Number.POSITIVE_INFINITY);
let delivered = 0;

/** Counts the events of each request the server accepted (2xx), as it logs the request. */
function counting<R extends { status: number | string }>(requests: R[], events: (r: R) => number): void {
  requests.push = (...logged: R[]) => {
    for (const r of logged) {
      if (typeof r.status !== "number" || r.status >= 300) continue;
      const before = delivered;
      delivered += events(r);
      if (before < expect && delivered >= expect) {
        const at = performance.timeOrigin + performance.now();
        process.stdout.write(`${JSON.stringify({ reached: delivered, at })}\n`);
      }
    }
    return 0; // benchmarks send far more than tests: keep counts, not every request
  };
}

async function start(): Promise<{ info: Record<string, string>; stop: () => Promise<void> }> {
  switch (process.env.BENCH_SERVER ?? "fault") {
    case "datadog": {
      const s = await new DatadogIntakeServer().start();
      s.logs.push = () => 0;
      counting(s.requests, (r) => r.entries);
      return { info: { url: s.url, apiKey: s.apiKey }, stop: () => s.stop() };
    }
    case "azure": {
      const s = await new AzureIngestionServer({
        [BENCH_DCR]: dcrBody("/subscriptions/bench/workspace"),
      }).start();
      counting(s.requests, (r) => r.rows);
      return {
        info: { url: s.origin, token: s.token, caFile: s.caFile, dcr: BENCH_DCR },
        stop: () => s.stop(),
      };
    }
    case "splunk": {
      const s = await new SplunkHecServer({ maxContentLength: 64 * 1024 * 1024 }).start();
      s.indexed.push = () => 0; // counted per accepted request, not kept
      counting(s.requests, (r) => r.events);
      return { info: { url: s.url, token: s.token }, stop: () => s.stop() };
    }
    default: {
      const s = await new FaultServer({
        token: process.env.BENCH_TOKEN ?? "bench",
        maxBodyBytes: 64 * 1024 * 1024,
      }).start();
      s.events.set = () => s.events; // counted by RecordId in `received`, not kept
      counting(s.requests, (r) => r.events);
      return { info: { url: s.url, token: s.token }, stop: () => s.stop() };
    }
  }
}

void start().then(({ info, stop }) => {
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  process.stdin.on(
    "end",
    () =>
      void stop().then(() => {
        process.stdout.write(`${JSON.stringify({ delivered })}\n`, () => process.exit(0));
      }),
  );
});
