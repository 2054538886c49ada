/**
 * HTTP sinks (generic http, Datadog, Azure Logs Ingestion) against their contract servers in a
 * separate process, each compared in the same run, on the same events, with:
 *   raw       an undici loop posting the same request bodies, prebuilt (the transport limit);
 *   per-event the same pipeline with one event per request.
 * Targets (issue 9): pipeline >= 0.8x raw and >= 20x per-event.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { Pool } from "undici";
import { toSentinelRow } from "../../components/azure/shape";
import { sampleStream, stableJson } from "../../components/catalog";
import { toDatadogLog } from "../../components/datadog/shape";
import { Exporter } from "../../exporter/pipeline/exporter";
import type { Sink } from "../../exporter/pipeline/sink";
import { AzureLogsSink } from "../../exporter/sinks/azure";
import { createDatadogSink, DATADOG_GZIP_LEVEL } from "../../exporter/sinks/datadog";
import { HttpSink } from "../../exporter/sinks/http";
import type { BenchSection } from "./report";

const IN_FLIGHT = 4;
type Info = Record<string, string>;
type Request = { path: string; headers: Record<string, string>; body: Buffer };

async function server(kind: string): Promise<{ info: Info; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "server-process.ts")], {
    env: { ...process.env, BENCH_SERVER: kind },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once("line", resolve),
  );
  return { info: JSON.parse(line) as Info, stop: () => child.stdin.end() };
}

/** The same requests the sink would make, built before the clock starts. */
function prebuilt(kind: string, info: Info, lines: string[]): Request[] {
  const envs = lines.map((l) => JSON.parse(l));
  const out: Request[] = [];
  const url = new URL(info.url as string);
  if (kind === "fault") {
    for (let i = 0; i < lines.length; i += 1000) {
      out.push({
        path: url.pathname,
        headers: { authorization: `Bearer ${info.token}`, "content-type": "application/x-ndjson" },
        body: Buffer.from(`${lines.slice(i, i + 1000).join("\n")}\n`),
      });
    }
  } else if (kind === "datadog") {
    for (let i = 0; i < envs.length; i += 1000) {
      const body = `[${envs
        .slice(i, i + 1000)
        .map((e) => JSON.stringify(toDatadogLog(e)))
        .join(",")}]`;
      out.push({
        path: url.pathname,
        headers: {
          "dd-api-key": info.apiKey as string,
          "content-type": "application/json",
          "content-encoding": "gzip",
        },
        body: gzipSync(body, { level: DATADOG_GZIP_LEVEL }), // what the sink sends
      });
    }
  } else {
    const byStream = new Map<string, string[]>();
    for (const e of envs) {
      const { table, row } = toSentinelRow(e);
      const rows = byStream.get(table.stream) ?? [];
      rows.push(JSON.stringify(row));
      byStream.set(table.stream, rows);
    }
    for (const [stream, rows] of byStream) {
      let chunk: string[] = [];
      let size = 0;
      const flush = () => {
        out.push({
          path: `/dataCollectionRules/${info.dcr}/streams/${stream}?api-version=2023-01-01`,
          headers: {
            authorization: `Bearer ${info.token}`,
            "content-type": "application/json",
            "content-encoding": "gzip",
          },
          body: gzipSync(`[${chunk.join(",")}]`),
        });
        chunk = [];
        size = 0;
      };
      for (const r of rows) {
        if (size + r.length >= 1_000_000) flush();
        chunk.push(r);
        size += r.length;
      }
      if (chunk.length) flush();
    }
  }
  return out;
}

async function raw(info: Info, requests: Request[], events: number): Promise<number> {
  const url = new URL(info.url as string);
  const ca = info.caFile ? readFileSync(info.caFile, "utf8") : undefined;
  const pool = new Pool(url.origin, {
    connections: IN_FLIGHT,
    pipelining: 1,
    ...(ca ? { connect: { ca } } : {}),
  });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < requests.length) {
        const r = requests[next++] as Request;
        const res = await pool.request({ method: "POST", path: r.path, headers: r.headers, body: r.body });
        await res.body.dump();
        if (res.statusCode >= 300) throw new Error(`raw baseline got HTTP ${res.statusCode}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  return events / seconds;
}

function sinkFor(kind: string, info: Info): Sink {
  if (kind === "fault")
    return new HttpSink(
      { url: info.url as string, maxEventsPerRequest: 1000 },
      { connections: IN_FLIGHT, env: { KEYTOS_HTTP_TOKEN: info.token } },
    );
  if (kind === "datadog")
    return createDatadogSink(
      { site: "datadoghq.com", endpoint: info.url },
      { connections: IN_FLIGHT, env: { DD_API_KEY: info.apiKey } },
    );
  const token = info.token as string;
  return new AzureLogsSink(
    {
      endpoint: info.url as string,
      dcrImmutableId: info.dcr as string,
      caFile: info.caFile,
      maxConcurrency: IN_FLIGHT,
    },
    { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) },
  );
}

/**
 * The same pipeline (validate, spool, batch, encode, release) with the transport taken out: the
 * sink's encode runs, its send answers ok at once. The pipeline's own ceiling on this machine.
 */
function nullTransport(sink: Sink): Sink {
  return Object.assign(Object.create(sink), {
    send: async (payload: unknown) => {
      await payload; // encoders may return a promise (gzip on the thread pool)
      return { kind: "ok" };
    },
  });
}

async function pipeline(sink: Sink, lines: string[], perEvent = false): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-bench-"));
  // One event per request: same sink, limits narrowed.
  const used: Sink = perEvent
    ? Object.assign(Object.create(sink), { limits: { ...sink.limits, maxEventsPerRequest: 1 } })
    : sink;
  const exporter = new Exporter(used, { spoolDir: dir, maxInFlight: IN_FLIGHT, lingerMs: 5 });
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i += 1000) await exporter.acceptMany(lines.slice(i, i + 1000));
  const summary = await exporter.close({ timeoutMs: 600_000 });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  if (summary.sent !== lines.length) throw new Error(`bench lost events: ${JSON.stringify(summary)}`);
  return lines.length / seconds;
}

const NAMES: Record<string, string> = {
  fault: "http (NDJSON)",
  datadog: "datadog",
  azure: "azure (Logs Ingestion SDK)",
};

export async function benchHttpSinks(n: number, nPerEvent: number): Promise<BenchSection> {
  const lines = [...sampleStream(n, { seed: 5, time: Date.now() / 1000 - 60 })].map((e) => stableJson(e));
  const avg = Math.round(lines.reduce((s, l) => s + l.length, 0) / lines.length);
  const rows: string[][] = [];
  const figures: Record<string, number> = {};
  const kinds = (process.env.BENCH_SINKS ?? "fault,datadog,azure").split(",");
  for (const kind of kinds) {
    const s = await server(kind);
    try {
      await pipeline(sinkFor(kind, s.info), lines.slice(0, 2000)); // warm-up: JIT, connections, TLS
      const rawRate = await raw(s.info, prebuilt(kind, s.info, lines), lines.length);
      const batched = await pipeline(sinkFor(kind, s.info), lines);
      const single = await pipeline(sinkFor(kind, s.info), lines.slice(0, nPerEvent), true);
      const ceiling = await pipeline(nullTransport(sinkFor(kind, s.info)), lines);
      figures[`${kind}.vsRaw`] = batched / rawRate;
      figures[`${kind}.vsPerEvent`] = batched / single;
      figures[`${kind}.nullTransport`] = ceiling;
      rows.push([
        NAMES[kind] as string,
        fmt(rawRate),
        fmt(batched),
        fmt(single),
        fmt(ceiling),
        `${(batched / rawRate).toFixed(2)}x ${batched / rawRate >= 0.8 ? "(met)" : "(target 0.8x: missed)"}`,
        `${(batched / single).toFixed(1)}x ${batched / single >= 20 ? "(met)" : "(target 20x: missed)"}`,
      ]);
      process.stderr.write(`bench: ${kind} done\n`);
    } finally {
      s.stop();
    }
  }
  return {
    title: "HTTP sinks: pipeline vs raw transport and vs one event per request",
    note: `${n} events of ~${avg} B (catalog samples), ${IN_FLIGHT} requests in flight, destination server in its own process; per-event on ${nPerEvent} events. The pipeline validates, serialises and durably spools every event (SQLite WAL, fsync per accepted chunk) before sending; raw posts prebuilt bodies. "Null transport" is the same pipeline with send answering ok at once: its own ceiling on this machine, with no destination sharing the CPU.`,
    head: [
      "sink",
      "raw ev/s",
      "pipeline ev/s",
      "per-event ev/s",
      "null transport ev/s",
      "pipeline / raw",
      "pipeline / per-event",
    ],
    rows,
    figures,
  };
}

export const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
