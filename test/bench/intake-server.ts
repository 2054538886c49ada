/** The local intake as its own process for benchmarks (so it does not share the exporter's event loop). */
import { FaultServer } from "../support/fault-server";

void new FaultServer({ token: process.env.BENCH_TOKEN ?? "bench", maxBodyBytes: 64 * 1024 * 1024 })
  .start()
  .then((server) => {
    process.stdout.write(`${server.url}\n`);
    process.stdin.resume();
    process.stdin.on("end", () => void server.stop().then(() => process.exit(0)));
  });
