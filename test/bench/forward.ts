/**
 * The forward section (BENCH_ONLY=forward): `keytos-siem forward --from kafka --to http` with 1,
 * 2 and 3 forwarder processes in one group on a 6-partition topic of the real broker, against
 * `send --to http` on the same events (an NDJSON file), both to the bench's contract server in
 * its own process. Forwarders start on an empty topic and the timer starts once the group is
 * stable with all of them (no rebalance during the run), when kcat starts producing the events;
 * it stops when the server has counted them all. Every run must deliver exactly the events sent
 * (a duplicate or a loss throws). On 2 cores the broker, kcat, the server and the forwarders
 * share the CPU: more forwarders are measured, not promised.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { resolveKafkaSettings } from "../../components/kafka/contract";
import type { KafkaInfo } from "../services/kafka";
import { BIN } from "../support/cli-run";
import { produceWithKcat, stream, waitFor } from "../support/forward-kit";
import { forwardConfig } from "../support/forwarder-process";
import { forwarderUser, kafkaClient, provisionLikeComponent, unprovision } from "../support/kafka-admin";
import { runEndToEnd, startServer } from "./end-to-end";
import type { BenchSection } from "./report";
import { benchServices } from "./services";

const PARTITIONS = 6;

/** k forwarders on a fresh topic: seconds from the first record produced to the last delivered. */
async function forwardRun(kafka: KafkaInfo, k: number, lines: string[], dir: string): Promise<number> {
  const settings = resolveKafkaSettings({
    bootstrapServers: kafka.brokers,
    topic: `keytos-bench-forward-${k}-${Date.now().toString(36)}`,
    partitions: PARTITIONS,
    replicationFactor: 1,
    senderUsername: kafka.sender.username,
    forwarderUsername: forwarderUser(kafka).username,
  });
  const admin = kafkaClient(kafka.brokers, kafka.admin).admin();
  await admin.connect();
  await provisionLikeComponent(admin, settings);
  const server = await startServer("fault", lines.length);
  const user = forwarderUser(kafka);
  const group = `keytos-siem-forward.bench-${settings.topic}`;
  const config = forwardConfig(dir, kafka, settings.topic, server.info.url as string);
  const children = Array.from({ length: k }, () =>
    spawn(
      process.execPath,
      [BIN, "forward", "--from", "kafka", "--to", "http", "--config", config, "--group", group],
      {
        env: {
          ...process.env,
          KEYTOS_FORWARD_USERNAME: user.username,
          KEYTOS_FORWARD_PASSWORD: user.password,
          KEYTOS_HTTP_TOKEN: server.info.token as string,
        },
        stdio: "ignore",
      },
    ),
  );
  let seconds: number | undefined;
  let delivered = -1;
  try {
    await waitFor(
      `a stable group of ${k}`,
      async () => {
        const [g] = (await admin.describeGroups([group])).groups;
        return g?.state === "Stable" && g.members.length === k;
      },
      120_000,
    );
    const t0 = performance.timeOrigin + performance.now();
    await produceWithKcat(kafka, settings.topic, lines, dir);
    seconds = ((await server.reached) - t0) / 1000;
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.once("exit", r)))),
    );
    delivered = await server.stop();
    await unprovision(admin, settings).catch(() => undefined);
    await admin.disconnect();
  }
  // After the forwarders drained: a duplicate (or a loss) shows in the server's count.
  if (delivered !== lines.length)
    throw new Error(`forward x${k}: the server counted ${delivered} events, ${lines.length} were produced`);
  return seconds;
}

export async function benchForward(events: number): Promise<BenchSection> {
  const { kafka } = await benchServices();
  const dir = mkdtempSync(path.join(tmpdir(), "bench-forward-"));
  const { lines } = stream(events, 4242);
  const rows: string[][] = [];
  const figures: Record<string, number> = {};
  for (const k of [1, 2, 3]) {
    const s = await forwardRun(kafka, k, lines, dir);
    figures[`forward${k}EventsPerSecond`] = events / s;
    rows.push([
      `forward x${k} (one group, ${PARTITIONS} partitions)`,
      `${Math.round(events / s).toLocaleString("en-US")}`,
      s.toFixed(1),
      events.toLocaleString("en-US"),
    ]);
  }
  const input = path.join(dir, "events.ndjson");
  writeFileSync(input, `${lines.join("\n")}\n`);
  const send = await runEndToEnd("fault", events, dir, (info) => {
    const config = path.join(dir, "send.yaml");
    writeFileSync(config, `http: { url: "${info.url}", maxEventsPerRequest: 500 }\n`);
    return {
      argv: [
        process.execPath,
        BIN,
        "send",
        "--to",
        "http",
        "--config",
        config,
        "--spool",
        path.join(dir, "spool"),
        "--json",
        input,
      ],
      env: { KEYTOS_HTTP_TOKEN: info.token as string },
    };
  });
  figures.sendEventsPerSecond = events / send.seconds;
  rows.push([
    "`send --to http` (same events, from a file, spooled)",
    `${Math.round(events / send.seconds).toLocaleString("en-US")}`,
    send.seconds.toFixed(1),
    send.delivered.toLocaleString("en-US"),
  ]);
  return {
    title: "forward: 1, 2 and 3 forwarders on one topic, and send on the same events",
    note: `${events.toLocaleString("en-US")} events, ${PARTITIONS} partitions, http contract server in its own process, 500 events per request. Forwarders: from the first record kcat produces (group already stable) to the last counted at the server; send: from process start. The broker, kcat, the server and every forwarder share this machine's ${cpus().length} cores, so more forwarders add CPU contention as much as parallelism.`,
    head: ["contender", "events/s", "seconds", "delivered"],
    rows,
    figures,
  };
}
