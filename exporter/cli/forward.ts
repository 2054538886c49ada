/**
 * `keytos-siem forward --from kafka --to <destination>`: one member of a consumer group that
 * delivers a Kafka topic to any destination of the registry (exporter/forward). Runs until a
 * signal: SIGINT / SIGTERM stop reading, deliver what was read (bounded by --drain-timeout),
 * commit what the destination acknowledged and leave the group; a second signal leaves at once
 * (nothing is lost: the group's commits never pass an undelivered event). A status line every
 * --status-interval seconds (one updating line on a terminal, JSON lines with --json), Prometheus
 * metrics on --metrics-port.
 */
import { SettingsError } from "../../components/config/settings";
import { FORWARDER_GROUP_PREFIX } from "../../components/kafka/contract";
import { type ForwardEnd, Forwarder } from "../forward/forwarder";
import { serveMetrics } from "../forward/prometheus";
import { explainRefusal, kafkaSourceSection, resolveKafkaSource } from "../forward/source";
import { type ForwardStatus, formatStatus } from "../forward/status";
import type { SinkSpec } from "../sinks/spec";
import { UsageError } from "./errors";
import { createSink } from "./send";
import { loadSendConfig } from "./send-config";

export interface ForwardOptions {
  from: "kafka";
  to: string;
  config?: string;
  topic?: string;
  group?: string;
  deadLetterTopic?: string;
  json?: boolean;
  metricsPort?: string;
  drainTimeout: string;
  statusInterval: string;
}

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

/** A number option in range, or one line naming it. */
function numberOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

export async function runForward(
  opts: ForwardOptions,
  out: Out,
  sinks: readonly SinkSpec[],
): Promise<number> {
  const env = process.env;
  const spec = sinks.find((s) => s.key === opts.to) as SinkSpec; // commander checked the choice
  const drainMs = numberOption("--drain-timeout", opts.drainTimeout, 0, 3600) * 1000;
  const everyMs = numberOption("--status-interval", opts.statusInterval, 1, 3600) * 1000;
  const metricsPort =
    opts.metricsPort === undefined ? undefined : numberOption("--metrics-port", opts.metricsPort, 0, 65_535);
  const given = { topic: opts.topic, group: opts.group, deadLetterTopic: opts.deadLetterTopic };
  const settings = loadSendConfig(opts.config, spec, env, sinks, { spec: kafkaSourceSection, given });
  for (const w of settings.warnings) out.stderr(`keytos-siem: warning: ${w}\n`);
  let source: ReturnType<typeof resolveKafkaSource>;
  try {
    source = resolveKafkaSource(settings.source as never, spec.key, env);
  } catch (err) {
    throw new SettingsError("--from kafka", [(err as Error).message]);
  }
  if (!source.group.startsWith(FORWARDER_GROUP_PREFIX))
    out.stderr(
      `keytos-siem: warning: consumer group "${source.group}" is outside the prefix ${FORWARDER_GROUP_PREFIX} the Kafka component grants the forwarder: Kafka will refuse it unless you granted it yourself\n`,
    );
  const { pipeline } = settings;
  const sink = createSink(spec, settings.sink, pipeline.maxInFlight ?? 4, env);
  const forwarder = new Forwarder(sink, source, pipeline);
  try {
    await forwarder.start();
  } catch (err) {
    await forwarder.stop(0).catch(() => undefined);
    const why =
      explainRefusal(err, source) ??
      `cannot read ${source.topic} from ${source.bootstrapServers.join(",")}: ${(err as Error).message}`;
    out.stderr(`keytos-siem: ${why}\n`);
    return 3;
  }
  const metrics =
    metricsPort === undefined ? undefined : await serveMetrics(metricsPort, () => forwarder.status());
  const tty = process.stdout.isTTY === true && !opts.json;
  const show = (s: ForwardStatus, last = false) => {
    if (opts.json) out.stdout(`${JSON.stringify(last ? { ...s, final: true } : s)}\n`);
    else if (tty && !last)
      out.stdout(`\r\x1b[K${formatStatus(s).slice(0, (process.stdout.columns ?? 80) - 1)}`);
    else out.stdout(`${tty ? "\r\x1b[K" : ""}${formatStatus(s)}\n`);
  };
  out.stderr(
    `keytos-siem: forwarding ${source.topic} (group ${source.group}) to ${spec.key}${metrics ? `; metrics on :${metrics.port}/metrics` : ""}\n`,
  );
  const ticker = setInterval(() => show(forwarder.status()), everyMs);
  let onSignal: (sig: NodeJS.Signals) => void = () => {};
  let signals = 0;
  const signalled = new Promise<ForwardEnd>((resolve) => {
    onSignal = (sig) => {
      if (++signals > 1) process.exit(130); // leave now: the group's commits never pass an undelivered event
      out.stderr(
        `\nkeytos-siem: ${sig}: delivering what was read for up to ${drainMs / 1000}s (again to quit now)\n`,
      );
      resolve({ stopped: true });
    };
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const end = await Promise.race([forwarder.ended, signalled]);
  clearInterval(ticker);
  const status = await forwarder.stop("stopped" in end ? drainMs : 0);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  await metrics?.close();
  show(status, true);
  if ("stopped" in end) return 0;
  const why = "halted" in end ? end.halted : end.failed;
  out.stderr(
    `keytos-siem: forward stopped: ${why}. Nothing was lost: the group's offsets stop before the events not delivered; fix the above and start forward again.\n`,
  );
  return 3;
}
