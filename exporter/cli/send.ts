/**
 * `keytos-siem send --to <destination>`: reads NDJSON envelopes (file or stdin), validates them
 * at the door, spools them durably and delivers them through the shared pipeline. A progress bar
 * with rate when stdout is a TTY, a one-line summary otherwise, `--json` for scripts. SIGINT /
 * SIGTERM stop reading, flush (bounded), and exit; what is left stays in the spool. With
 * --replay-dead-letters, the dead letters go through the door again first. Exit codes: send-exit.ts.
 */
import { accessSync, constants, createReadStream, statSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { SingleBar } from "cli-progress";
import { SettingsError } from "../../components/config/settings";
import { FileError, unreadable } from "../../components/config/yaml-file";
import { SpoolFullError } from "../pipeline/backlog";
import { Exporter } from "../pipeline/exporter";
import { formatDeadLetters, formatSummary, type Summary } from "../pipeline/metrics";
import { type ReplayCounts, replayDeadLetters } from "../pipeline/replay";
import type { Sink } from "../pipeline/sink";
import type { SinkSpec } from "../sinks/spec";
import { UsageError } from "./errors";
import { loadSendConfig } from "./send-config";
import { sendExitCode } from "./send-exit";

export interface SendOptions {
  to: string;
  config?: string;
  spool: string;
  json?: boolean;
  /** Seconds to keep flushing after the input ends or a signal arrives. */
  drainTimeout: string;
  /** Feed the dead-letter file back through the door first (then the input file, if one is given). */
  replayDeadLetters?: boolean;
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

/**
 * Feeds input lines to the exporter in chunks of 1,000, pausing the input while the spool is
 * full. Two chunks at a time: the next one is validated and written while the disk syncs the
 * previous one (the exporter commits them in order).
 */
async function feed(input: Readable, exporter: Exporter, stop: AbortSignal): Promise<void> {
  // Stopped (a refused credential) with a full spool: stop reading, what was read is spooled.
  const full = new AbortController();
  const until = AbortSignal.any([stop, full.signal]);
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let buffer: string[] = [];
  /** Settles when every chunk handed over so far is accepted. */
  let all = Promise.resolve();
  /** Hands the buffered lines over; resolves when the chunks before them are accepted. */
  const flush = () => {
    const before = all;
    if (buffer.length === 0) return before;
    const lines = buffer;
    buffer = [];
    const accepted = exporter.acceptMany(lines).then(
      () => undefined,
      (err: unknown) => {
        if (!(err instanceof SpoolFullError)) throw err;
        full.abort();
      },
    );
    all = Promise.all([before, accepted]).then(() => undefined);
    return before;
  };
  const ticker = setInterval(() => void flush().catch(() => undefined), 100); // a slow producer still gets sent
  const done = new Promise<void>((resolve, reject) => {
    // readline keeps emitting the lines of a chunk it already read after pause(), and closes when
    // the input ends or a signal stops it: it may be closed by the time the chunks are accepted.
    let closed = false;
    rl.on("line", (line) => {
      buffer.push(line);
      if (buffer.length >= 1000) {
        rl.pause();
        flush().then(() => closed || rl.resume(), reject);
      }
    });
    rl.on("close", () => {
      closed = true;
      resolve();
    });
    input.on("error", reject);
    until.addEventListener("abort", () => rl.close(), { once: true });
  });
  try {
    await done;
    flush();
    await all;
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
      dead: s.deadLettered,
    });
  }, 200);
  return () => {
    clearInterval(timer);
    bar.stop();
  };
}

/** The sink, with a user's mistake in its settings (no key, plain http, no token) reported as one. */
export function createSink(
  spec: SinkSpec,
  settings: unknown,
  connections: number,
  env: NodeJS.ProcessEnv,
): Sink {
  try {
    return spec.create(settings as never, { connections, env });
  } catch (err) {
    throw new SettingsError(`--to ${spec.key}`, [(err as Error).message]);
  }
}

/** What the user should do after the run, one line each, on stderr. */
function advice(summary: Summary, spool: string, replayed?: ReplayCounts): string[] {
  const lines: string[] = [];
  if (summary.halted) {
    lines.push(
      `send stopped: ${summary.halted}. Nothing was lost: ${summary.inSpool} events stay in the spool ${spool}; fix the above, then run send again with the same --spool to deliver them.`,
    );
  } else if (summary.inSpool > 0) {
    lines.push(`${summary.inSpool} events remain in the spool ${spool}: run send again to deliver them`);
  }
  if (summary.deadLettered > 0) {
    const again = replayed?.deadLettered
      ? ` (${replayed.deadLettered} of them replayed and still refused)`
      : "";
    lines.push(
      `${summary.deadLettered} lines set aside (${formatDeadLetters(summary.deadLetters)})${again} in ${summary.deadLetterFile}: fix the cause, then send --replay-dead-letters`,
    );
  }
  return lines.map((l) => `keytos-siem: ${l}\n`);
}

/** Runs a send; resolves to the exit code (send-exit.ts: 0 only if all was delivered, nothing dead-lettered). */
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
  const sink = createSink(spec, settings.sink, connections, env);
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

  const stopBar = process.stdout.isTTY && !opts.json ? progressBar(exporter, opts.to) : undefined;
  let summary: Summary;
  let replayed: (ReplayCounts & { files: string[] }) | undefined;
  try {
    // Claimed at once, while this run owns the spool and before anything is dead-lettered in it.
    if (opts.replayDeadLetters) replayed = await replayDeadLetters(exporter);
    // A replay reads standard input only when told to (-): it is usually a terminal then.
    const stdin = file === "-" || (!file && !opts.replayDeadLetters);
    const input = file && file !== "-" ? createReadStream(file) : stdin ? process.stdin : undefined;
    if (input && !stop.signal.aborted) await feed(input, exporter, stop.signal);
  } finally {
    summary = await exporter.close({ timeoutMs: drainMs });
    stopBar?.();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (opts.json) {
    out.stdout(
      `${JSON.stringify(replayed ? { ...summary, replayed: jsonReplay(replayed) } : summary, null, 2)}\n`,
    );
  } else {
    if (replayed) out.stdout(`${formatReplay(replayed)}\n`);
    out.stdout(`${formatSummary(summary)}\n`);
  }
  for (const line of advice(summary, opts.spool, replayed)) out.stderr(line);
  return sendExitCode(summary);
}

const jsonReplay = (r: ReplayCounts & { files: string[] }) => ({
  files: r.files.map((f) => path.basename(f)),
  lines: r.lines,
  accepted: r.accepted,
  deadLettered: r.deadLettered,
});

function formatReplay(r: ReplayCounts & { files: string[] }): string {
  if (r.files.length === 0) return "replayed no dead letters: none were set aside";
  return `replayed ${r.lines} dead letters: ${r.accepted} back in the spool, ${r.deadLettered} dead-lettered again`;
}
