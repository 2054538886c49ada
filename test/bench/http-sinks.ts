/**
 * HTTP sinks against the durable shipper a user would otherwise pick: syslog-ng (reliable disk
 * buffer, flow control) and `keytos-siem send` read the same NDJSON file and deliver it to the
 * same local contract server in its own process. Measured end to end (end-to-end.ts): process
 * start to the last event counted at the server, the sender's CPU seconds and peak RSS, median of
 * BENCH_ROUNDS runs (default 3), contenders interleaved round by round so drifting load hits all.
 * BENCH_HTTP picks contenders (default: all of CONTENDERS' keys).
 * Goals (issue 18): every HTTP sink >= 1.0x syslog-ng in events/s and in events per CPU-second;
 * datadog as fast as http; peak RSS < 150 MB with default settings.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleStream, stableJson } from "../../components/catalog";
import {
  type RunFigures,
  runEndToEnd,
  type SenderCommand,
  type ServerInfo,
  type ServerKind,
} from "./end-to-end";
import type { BenchSection } from "./report";
import { ensureHttpPeers, syslogNgCommand, syslogNgConfig, syslogNgVersion } from "./syslog-ng";

const BIN = path.resolve(__dirname, "..", "..", "exporter", "cli", "bin.cjs");
const MB = 1e6;

interface Contender {
  name: string;
  server: ServerKind;
  /** The peer the goals compare against. */
  peer?: boolean;
  command(input: string, dir: string, info: ServerInfo): SenderCommand;
}

/** `keytos-siem send --to <to>` with default settings, the config only pointing at the server. */
function send(
  to: string,
  section: Record<string, unknown>,
  env: (info: ServerInfo) => Record<string, string>,
) {
  return (input: string, dir: string, info: ServerInfo): SenderCommand => {
    const config = path.join(dir, "send.yaml");
    const fields = Object.entries(section).map(
      ([k, v]) => `  ${k}: ${JSON.stringify(typeof v === "function" ? v(info) : v)}`,
    );
    writeFileSync(config, `${to}:\n${fields.join("\n")}\n`);
    return {
      argv: [
        process.execPath,
        BIN,
        "send",
        "--to",
        to,
        "--config",
        config,
        "--spool",
        path.join(dir, "spool"),
        "--json",
        input,
      ],
      env: env(info),
    };
  };
}

const CONTENDERS: Record<string, Contender> = {
  "syslog-ng": {
    name: "syslog-ng, reliable disk buffer, flow control, JSON arrays of 1,000 (no gzip)",
    server: "datadog",
    peer: true,
    command: syslogNgCommand,
  },
  http: {
    name: "`send --to http` (NDJSON, no gzip)",
    server: "fault",
    command: send("http", { url: (i: ServerInfo) => i.url }, (i) => ({
      KEYTOS_HTTP_TOKEN: i.token as string,
    })),
  },
  datadog: {
    name: "`send --to datadog` (gzip, Datadog log shape)",
    server: "datadog",
    command: send("datadog", { site: "datadoghq.com", endpoint: (i: ServerInfo) => i.url }, (i) => ({
      DD_API_KEY: i.apiKey as string,
    })),
  },
  "datadog-plain": {
    name: "`send --to datadog` with `compression: none` (like syslog-ng, which cannot gzip)",
    server: "datadog",
    command: send(
      "datadog",
      { site: "datadoghq.com", endpoint: (i: ServerInfo) => i.url, compression: "none" },
      (i) => ({ DD_API_KEY: i.apiKey as string }),
    ),
  },
  splunk: {
    name: "`send --to splunk` (HTTP Event Collector, concatenated events, no gzip)",
    server: "splunk",
    command: send("splunk", { hecUrl: (i: ServerInfo) => i.url, index: "keytos" }, (i) => ({
      SPLUNK_HEC_TOKEN: i.token as string,
    })),
  },
  azure: {
    name: "`send --to azure` (Logs Ingestion SDK, gzip, HTTPS)",
    server: "azure",
    command: send(
      "azure",
      {
        endpoint: (i: ServerInfo) => i.url,
        dcrImmutableId: (i: ServerInfo) => i.dcr,
        caFile: (i: ServerInfo) => i.caFile,
        credential: "accessToken",
      },
      (i) => ({ KEYTOS_AZURE_ACCESS_TOKEN: i.token as string }),
    ),
  },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function benchHttpSinks(events: number, rounds: number): Promise<BenchSection> {
  ensureHttpPeers();
  const keys = (process.env.BENCH_HTTP ?? Object.keys(CONTENDERS).join(",")).split(",");
  for (const k of keys)
    if (!CONTENDERS[k])
      throw new Error(`BENCH_HTTP: no contender "${k}" (${Object.keys(CONTENDERS).join(", ")})`);
  const work = mkdtempSync(path.join(tmpdir(), "keytos-bench-http-"));
  try {
    const input = path.join(work, "events.ndjson");
    const lines = [...sampleStream(events, { seed: 5, time: Date.now() / 1000 - 60 })].map((e) =>
      stableJson(e),
    );
    writeFileSync(input, `${lines.join("\n")}\n`);
    const avg = Math.round(lines.reduce((s, l) => s + l.length, 0) / lines.length);
    const runs = new Map<string, RunFigures[]>(keys.map((k) => [k, []]));
    let n = 0;
    const once = async (key: string, file: string, count: number) => {
      const c = CONTENDERS[key] as Contender;
      const dir = path.join(work, `run-${n++}`);
      mkdirSync(dir);
      try {
        return await runEndToEnd(c.server, count, dir, (info) => c.command(file, dir, info));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    // Warm-up: tsx's compile cache, the page cache, syslog-ng's first start.
    const warm = path.join(work, "warm.ndjson");
    writeFileSync(warm, `${lines.slice(0, 2000).join("\n")}\n`);
    for (const k of keys) await once(k, warm, 2000);
    for (let r = 0; r < rounds; r++) {
      for (const k of keys) {
        const f = await once(k, input, events);
        runs.get(k)?.push(f);
        process.stderr.write(
          `bench: http round ${r + 1} ${k}: ${Math.round(events / f.seconds)} ev/s, ${f.cpuSeconds.toFixed(2)} CPU s, ${Math.round(f.peakRssBytes / 2 ** 20)} MiB\n`,
        );
      }
    }
    return report(keys, runs, events, avg, rounds);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function report(
  keys: string[],
  runs: Map<string, RunFigures[]>,
  events: number,
  avg: number,
  rounds: number,
): BenchSection {
  const figures: Record<string, number> = {};
  const stats = new Map(
    keys.map((k) => {
      const rs = runs.get(k) as RunFigures[];
      const rate = median(rs.map((r) => events / r.seconds));
      const perCpu = median(rs.map((r) => events / r.cpuSeconds));
      const rss = median(rs.map((r) => r.peakRssBytes));
      const spread =
        Math.max(...rs.map((r) => events / r.seconds)) / Math.min(...rs.map((r) => events / r.seconds)) - 1;
      figures[`${k}.eventsPerSecond`] = rate;
      figures[`${k}.eventsPerCpuSecond`] = perCpu;
      figures[`${k}.peakRssMiB`] = rss / 2 ** 20;
      return [k, { rate, perCpu, rss, spread, cpu: median(rs.map((r) => r.cpuSeconds)) }] as const;
    }),
  );
  const peerKey = keys.find((k) => CONTENDERS[k]?.peer);
  const peer = peerKey ? stats.get(peerKey) : undefined;
  const ratio = (x: number, p: number | undefined) => (p ? ` (${(x / p).toFixed(2)}x)` : "");
  const rows = keys.map((k) => {
    const s = stats.get(k) as NonNullable<ReturnType<typeof stats.get>>;
    const own = !CONTENDERS[k]?.peer;
    const goals =
      own && peer
        ? [s.rate >= peer.rate ? "met" : "missed", s.perCpu >= peer.perCpu ? "met" : "missed"]
        : ["", ""];
    return [
      (CONTENDERS[k] as Contender).name,
      `${fmt(s.rate)}${own ? ratio(s.rate, peer?.rate) : ""}`,
      `${fmt(s.perCpu)}${own ? ratio(s.perCpu, peer?.perCpu) : ""}`,
      s.cpu.toFixed(2),
      `${Math.round(s.rss / 2 ** 20)} MiB${own ? (s.rss < 150 * MB ? " (met)" : " (target < 150 MB: missed)") : ""}`,
      fmt(events),
      `±${Math.round(s.spread * 50)}%`,
      own && peer ? `${goals[0]} / ${goals[1]}` : "peer",
    ];
  });
  const config = syslogNgConfig(
    "<events.ndjson>",
    "http://127.0.0.1:<port>/api/v2/logs",
    "<key>",
    "<run dir>",
  );
  return {
    title: "HTTP sinks end to end against syslog-ng",
    note: [
      `${fmt(events)} events of ~${avg} B (catalog samples) in one NDJSON file, read by each sender and delivered to the same contract server (its own process; the Datadog intake for syslog-ng and datadog, the HEC contract server for splunk); median of ${rounds} runs, contenders interleaved. Events/s from the sender's process start to the last event counted at the server; CPU and peak RSS of the sender process (getrusage through GNU time: user + sys, ru_maxrss). Every run delivered exactly the events sent. Our sinks run with default settings: 4 requests in flight, the durable spool (SQLite; each accepted chunk of up to 1,000 events synced to disk, fdatasync, before it counts as accepted), send's own heap flags (README, "Memory"). **syslog-ng's reliable disk buffer does not fsync; ours does.** Ratios are to syslog-ng; goals: >= 1.0x in events/s and in events per CPU-second, peak RSS < 150 MB.`,
      "",
      `syslog-ng ${syslogNgVersion()} (Debian packages syslog-ng-core, syslog-ng-mod-http), configuration:`,
      "",
      "```",
      config.trimEnd(),
      "```",
    ].join("\n"),
    head: [
      "contender",
      "events/s",
      "events per CPU-second",
      "CPU s",
      "peak RSS",
      "delivered",
      "spread",
      "goals (rate / CPU)",
    ],
    rows,
    figures,
    peer: CONTENDERS["syslog-ng"]?.name,
  };
}

export const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
