/**
 * `keytos-siem send --to <destination>`: reads NDJSON envelopes (file or stdin), validates them
 * at the door, spools them durably and delivers them through the shared pipeline. A progress bar
 * with rate when stdout is a TTY, a one-line summary otherwise, `--json` for scripts. SIGINT /
 * SIGTERM stop reading, flush (bounded), and exit; what is left stays in the spool.
 */
import { accessSync, constants, createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { SingleBar } from "cli-progress";
import { FileError, unreadable } from "../../components/config/yaml-file";
import { Exporter } from "../pipeline/exporter";
import { formatSummary, type Summary } from "../pipeline/metrics";
import type { SinkSpec } from "../sinks/spec";
import { UsageError } from "./errors";
import { loadSendConfig } from "./send-config";

export interface SendOptions {
  to: string;
  config?: string;
  spool: string;
  json?: boolean;
  /** Seconds to keep flushing after the input ends or a signal arrives. */
  drainTimeout: string;
}

/** A missing or unreadable input file is bad input (exit 1), found before anything is spooled. */
function assertReadable(file: string): void {
  try {
    accessSync(file, constants.R_OK);
    if (statSync(file).isDirectory()) throw Object.assign(new Error(), { code: "EISDIR" });
  } catch (err) {
    throw new FileError("input", file, [
      { path: [], message: `cannot read the input file: ${unreadable(err)}` },
    ]);
  }
}

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

/** Feeds input lines to the exporter in chunks, pausing the input while the spool is full. */
async function feed(input: Readable, exporter: Exporter, stop: AbortSignal): Promise<void> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let buffer: string[] = [];
  let chain = Promise.resolve();
  const flush = () => {
    if (buffer.length === 0) return chain;
    const lines = buffer;
    buffer = [];
    chain = chain.then(() => exporter.acceptMany(lines));
    return chain;
  };
  const ticker = setInterval(() => void flush(), 100); // a slow producer still gets sent
  const done = new Promise<void>((resolve, reject) => {
    rl.on("line", (line) => {
      buffer.push(line);
      if (buffer.length >= 1000) {
        rl.pause();
        flush().then(() => rl.resume(), reject);
      }
    });
    rl.on("close", resolve);
    input.on("error", reject);
    stop.addEventListener("abort", () => rl.close(), { once: true });
  });
  try {
    await done;
    await flush();
  } finally {
    clearInterval(ticker);
  }
}

function progressBar(exporter: Exporter, destination: string): () => void {
  const bar = new SingleBar({
    format: `sending to ${destination} [{bar}] {sent}/{accepted} sent | {rate} ev/s | spool {inSpool} | dead-lettered {dead}`,
    hideCursor: true,
    stream: process.stdout,
  });
  bar.start(1, 0, { sent: 0, accepted: 0, rate: 0, inSpool: 0, dead: 0 });
  const timer = setInterval(() => {
    const s = exporter.summary();
    bar.setTotal(Math.max(s.accepted, s.sent, 1));
    bar.update(s.sent, {
      sent: s.sent,
      accepted: s.accepted,
      rate: Math.round(s.eventsPerSecond),
      inSpool: s.inSpool,
      dead: s.deadLettered + s.malformed,
    });
  }, 200);
  return () => {
    clearInterval(timer);
    bar.stop();
  };
}

/** Runs a send; resolves to the exit code (0 only if every accepted event was delivered). */
export async function runSend(
  file: string | undefined,
  opts: SendOptions,
  out: Out,
  sinks: readonly SinkSpec[],
): Promise<number> {
  const env = process.env;
  const spec = sinks.find((s) => s.key === opts.to) as SinkSpec; // commander checked the choice
  const settings = loadSendConfig(opts.config, spec, env, sinks);
  for (const w of settings.warnings) out.stderr(`keytos-siem: warning: ${w}\n`);
  const drainMs = Number(opts.drainTimeout) * 1000;
  if (!Number.isFinite(drainMs) || drainMs < 0)
    throw new UsageError(`--drain-timeout must be seconds >= 0, got "${opts.drainTimeout}"`);
  if (file && file !== "-") assertReadable(file);
  const connections = settings.pipeline.maxInFlight ?? 4;
  const sink = spec.create(settings.sink as never, { connections, env });
  const exporter = new Exporter(sink, { ...settings.pipeline, spoolDir: opts.spool });

  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(130); // second signal: leave now, the spool keeps everything
    out.stderr(`\n${sig}: stopping input, flushing for up to ${drainMs / 1000}s (again to quit now)\n`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const input: Readable = file && file !== "-" ? createReadStream(file) : process.stdin;
  const stopBar = process.stdout.isTTY && !opts.json ? progressBar(exporter, opts.to) : undefined;
  let summary: Summary;
  try {
    await feed(input, exporter, stop.signal);
  } finally {
    summary = await exporter.close({ timeoutMs: drainMs });
    stopBar?.();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  out.stdout(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
  const delivered = summary.inSpool === 0 && summary.deadLettered === 0 && !summary.halted;
  if (!delivered && summary.inSpool > 0 && !opts.json) {
    out.stderr(
      `${summary.inSpool} events remain in the spool ${opts.spool}: run send again to deliver them\n`,
    );
  }
  return delivered ? 0 : 1;
}
