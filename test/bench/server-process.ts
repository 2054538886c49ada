/**
 * A benchmark's destination server in its own process, so it does not share the exporter's
 * event loop. BENCH_SERVER picks the contract server: fault (NDJSON http intake), datadog, azure.
 * Prints one JSON line describing how to reach it, and stops when stdin ends.
 */
import { dcrBody } from "../../components/azure/dcr";
import { AzureIngestionServer } from "../support/azure-ingestion-server";
import { DatadogIntakeServer } from "../support/datadog-intake-server";
import { FaultServer } from "../support/fault-server";

export const BENCH_DCR = "dcr-00000000000000000000000000000bec";

async function start(): Promise<{ info: Record<string, string>; stop: () => Promise<void> }> {
  switch (process.env.BENCH_SERVER ?? "fault") {
    case "datadog": {
      const s = await new DatadogIntakeServer().start();
      // Benchmarks send far more than tests: keep counts, not every log.
      s.logs.push = () => 0;
      return { info: { url: s.url, apiKey: s.apiKey }, stop: () => s.stop() };
    }
    case "azure": {
      const s = await new AzureIngestionServer({
        [BENCH_DCR]: dcrBody("/subscriptions/bench/workspace"),
      }).start();
      return {
        info: { url: s.origin, token: s.token, caFile: s.caFile, dcr: BENCH_DCR },
        stop: () => s.stop(),
      };
    }
    default: {
      const s = await new FaultServer({
        token: process.env.BENCH_TOKEN ?? "bench",
        maxBodyBytes: 64 * 1024 * 1024,
      }).start();
      return { info: { url: s.url, token: s.token }, stop: () => s.stop() };
    }
  }
}

void start().then(({ info, stop }) => {
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void stop().then(() => process.exit(0)));
});
