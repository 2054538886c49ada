/**
 * CloudWatch SDK path against moto: the pipeline (PutLogEvents within the service limits, sorted,
 * durable spool) vs a raw SDK loop sending the same prebuilt PutLogEvents batches; events/s and
 * requests per 10,000 events.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { sampleStream, stableJson } from "../../components/catalog";
import { Exporter } from "../../exporter/pipeline/exporter";
import { createCloudWatchSink } from "../../exporter/sinks/cloudwatch";
import { fmt } from "./http-sinks";
import type { BenchSection } from "./report";
import { benchServices } from "./services";

export async function benchCloudWatch(n: number): Promise<BenchSection> {
  const { moto } = await benchServices();
  process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
  const client = new CloudWatchLogsClient({ endpoint: moto.endpoint, region: moto.region, maxAttempts: 1 });
  const group = `/keytos-siem/bench-${Date.now()}`;
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of ["raw", "pipeline"])
    await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
  const lines = [...sampleStream(n, { seed: 9, time: Date.now() / 1000 - 600 })].map((e) => stableJson(e));

  // Raw: the same events in batches of 10,000 (the PutLogEvents count limit), prebuilt.
  const batches = [];
  for (let i = 0; i < lines.length; i += 10_000) {
    batches.push(
      lines
        .slice(i, i + 10_000)
        .map((l) => ({ timestamp: Math.round(JSON.parse(l).time * 1000), message: l })),
    );
  }
  const t0 = performance.now();
  for (const logEvents of batches)
    await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "raw", logEvents }));
  const rawRate = n / ((performance.now() - t0) / 1000);
  client.destroy();

  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-cw-"));
  const sink = createCloudWatchSink(
    {
      region: moto.region,
      logGroupName: group,
      logStreamName: "pipeline",
      endpoint: moto.endpoint,
      auth: "sigv4",
    },
    { connections: 4, env: {} },
  );
  const exporter = new Exporter(sink, { spoolDir: dir, lingerMs: 5 });
  const t1 = performance.now();
  for (let i = 0; i < lines.length; i += 1000) await exporter.acceptMany(lines.slice(i, i + 1000));
  const summary = await exporter.close({ timeoutMs: 600_000 });
  const pipelineRate = n / ((performance.now() - t1) / 1000);
  rmSync(dir, { recursive: true, force: true });
  if (summary.sent !== n) throw new Error(`cloudwatch bench lost events: ${JSON.stringify(summary)}`);
  const per10k = (summary.requests * 10_000) / n;
  return {
    title: "CloudWatch SDK path against moto",
    note: `${n} events, PutLogEvents (SigV4) to moto ${moto.endpoint.replace(/^http:\/\/127\.0\.0\.1:\d+/, "(local)")}; raw = the same events in prebuilt 10,000-event batches, one request at a time. moto is the bottleneck here, not AWS's limits.`,
    head: ["sender", "events/s", "requests per 10,000 events", "ratio"],
    rows: [
      ["raw SDK loop", fmt(rawRate), "1.0", "1.00x"],
      ["pipeline", fmt(pipelineRate), per10k.toFixed(1), `${(pipelineRate / rawRate).toFixed(2)}x`],
    ],
    figures: { "cloudwatch.vsRaw": pipelineRate / rawRate, "cloudwatch.requestsPer10k": per10k },
  };
}
