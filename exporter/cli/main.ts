/**
 * The `keytos-siem` command line. Every subcommand has --help; exit codes: 0 success,
 * 1 bad input (policy, config, events) or a failed check, 2 internal error; send adds 3, 4, 5
 * (send-exit.ts).
 */

import path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { CATALOG, PRODUCTS } from "../../components/catalog/events";
import { compilerNamed, namesOf, readPolicy, silentAlerts } from "../../components/policy";
import { alertCompilers, DESTINATIONS } from "../../components/registry";
import { SINKS } from "../sinks";
import { isUserMistake, UsageError } from "./errors";
import { EXPORT_FORMATS, type ExportOptions, renderExport, runExport } from "./export";
import type { ForwardOptions } from "./forward";
import { FORWARD_EXIT_HELP } from "./forward-help";
import { listStacks, type PlanOptions, projectRoot, renderPlan, renderStackList, runPlan } from "./plan";
import { renderCatalog, renderCompiled } from "./render";
import { runSend, type SendOptions } from "./send";
import { SEND_EXIT_HELP } from "./send-exit";
import type { Registries, SmokeOptions } from "./smoke";
import { layoutFor } from "./table";

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };
const defaultOut: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

const WIDE = "tables at full width, one line per row (default: fitted to the terminal, $COLUMNS or 80)";

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Exit code a command asks for (commander actions cannot return one). */
let commandExitCode = 0;

const REGISTRIES: Registries = { sinks: SINKS, destinations: DESTINATIONS };

/** "a, b and c" */
const listed = (items: readonly string[]) =>
  items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;

/** `  key  line` rows for help text, one destination per block. */
const helpRows = (rows: { key: string; lines?: readonly string[] }[]) => {
  const width = Math.max(...rows.map((r) => r.key.length)) + 2;
  return rows.flatMap(({ key, lines = [] }) =>
    lines.map((line, i) => `  ${(i === 0 ? key : "").padEnd(width)}${line}`),
  );
};

export function buildProgram(out: Out = defaultOut, registries: Registries = REGISTRIES): Command {
  const { sinks, destinations } = registries;
  const alerters = alertCompilers(destinations);
  const alerting = destinations.filter((d) => d.alerts).map((d) => d.title);
  const smokeable = sinks.filter((s) => s.smoke);
  const program = new Command("keytos-siem")
    .description(
      "Provision and verify the SIEM side of Keytos EZCA / EZMonitor audit-log export: " +
        `one event catalog + one alert policy compiled to ${listed(alerting)} alerts, ` +
        "customer stacks planned offline, events delivered, deployments smoke-tested.",
    )
    .version(require("../../package.json").version)
    .configureOutput({ writeOut: out.stdout, writeErr: out.stderr })
    .exitOverride()
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  keytos-siem catalog --product EZMonitor",
        "  keytos-siem policy check policies/default.yaml",
        "  keytos-siem policy export policies/default.yaml --format sigma --out sigma/",
        `  keytos-siem policy compile policies/default.yaml --json --destination ${alerters[alerters.length - 1]?.key}`,
        "  keytos-siem plan --stack example-all",
        "  pulumi stack output --json --show-secrets | keytos-siem smoke --outputs -",
        "  keytos-siem send --to http --config send.yaml events.ndjson",
        "  keytos-siem forward --from kafka --to http --config send.yaml",
        "",
        "Exit codes: 0 success, 1 bad input or failed check, 2 internal error;",
        "send also 3 stopped (refused credential), 4 left in the spool, 5 dead-lettered (send --help).",
      ].join("\n"),
    );

  program
    .command("catalog")
    .description("List every event EZCA and EZMonitor send, with criticality (and why, for EZMonitor).")
    .addOption(new Option("--product <product>", "only this product").choices([...PRODUCTS]))
    .option("--json", "print the catalog as JSON")
    .option("--wide", WIDE)
    .action((opts: { product?: string; json?: boolean; wide?: boolean }) => {
      const events = CATALOG.filter((e) => !opts.product || e.product === opts.product);
      out.stdout(opts.json ? json(events) : renderCatalog(events, layoutFor(opts)));
    });

  const policy = program
    .command("policy")
    .description("Validate, compile and export alert policy files.")
    .exitOverride();

  policy
    .command("check")
    .description(
      "Validate a policy file; on error print file:line:column, the field, the bad value and what is allowed.",
    )
    .argument("<file>", "policy YAML file, e.g. policies/default.yaml")
    .action((file: string) => {
      const compiled = readPolicy(file, alerters);
      out.stdout(
        `${file}: OK (${compiled.rules.length} alerted events, ${compiled.unalerted.length} not alerted)\n`,
      );
      for (const w of silentAlerts(compiled, alerters)) out.stderr(`keytos-siem: warning: ${w.message}\n`);
    });

  policy
    .command("compile")
    .description(
      "Compile a policy into one rule per alerted event with each alerting destination's alert " +
        `(${alerters.map((a) => a.key).join(", ")}): its query and settings.`,
    )
    .argument("<file>", "policy YAML file, e.g. policies/default.yaml")
    .option("--json", "print the compiled rules as JSON (stable order, for diffs and CI)")
    .option("--wide", WIDE)
    .addOption(
      new Option("--destination <name>", "only this destination's queries").choices(
        alerters.flatMap(namesOf),
      ),
    )
    .action((file: string, opts: { json?: boolean; destination?: string; wide?: boolean }) => {
      const compiled = readPolicy(file, alerters);
      const only = opts.destination ? compilerNamed(alerters, opts.destination) : undefined;
      if (only) {
        compiled.rules = compiled.rules
          .filter((r) => r.destinations[only.key] !== undefined)
          .map((r) => ({ ...r, destinations: { [only.key]: r.destinations[only.key] } }));
        compiled.detections = compiled.detections?.map((d) => ({
          ...d,
          destinations:
            d.destinations[only.key] === undefined ? {} : { [only.key]: d.destinations[only.key] },
          inexpressible: Object.fromEntries(
            Object.entries(d.inexpressible).filter(([key]) => key === only.key),
          ),
        }));
      }
      out.stdout(
        opts.json
          ? json({ policy: file, ...compiled })
          : renderCompiled(file, compiled, only ? [only] : alerters, layoutFor(opts)),
      );
    });

  policy
    .command("export")
    .description(
      "Export a policy's alerts as Sigma rules (one per alerted event, with a stable id), with the " +
        "pySigma pipelines that convert them for Sentinel, Splunk, Datadog, Elasticsearch and Loki.",
    )
    .argument("<file>", "policy YAML file, e.g. policies/default.yaml")
    .addOption(
      new Option("--format <format>", "export format").choices([...EXPORT_FORMATS]).makeOptionMandatory(),
    )
    .requiredOption(
      "--out <dir>",
      "folder (created if missing): rules go to <dir>/rules, pipelines to <dir>/pipelines",
    )
    .option("--json", "print what was written as JSON")
    .addHelpText(
      "after",
      [
        "",
        "Example:",
        "  keytos-siem policy export policies/default.yaml --format sigma --out sigma/",
        "  sigma convert -t kusto -p sigma/pipelines/keytos-sentinel.yml sigma/rules/keytos_ezca_19.yml",
      ].join("\n"),
    )
    .action((file: string, opts: ExportOptions) => {
      const summary = runExport(file, opts, alerters);
      out.stdout(opts.json ? json(summary) : renderExport(summary));
    });

  program
    .command("send")
    .description(
      "Send event envelopes (NDJSON, one per line) to a destination: validated at the door, spooled " +
        "durably, batched, retried. Lines refused at the door or condemned by the destination go to the " +
        "dead-letter file with their reason; a refused credential stops the run with every undelivered " +
        "event kept in the spool. Credentials come from the environment or the config file, never from " +
        "the command line.",
    )
    .argument("[file]", "NDJSON file of envelopes; standard input when omitted or -")
    .addOption(
      new Option("--to <destination>", "where to send")
        .choices(sinks.map((s) => s.key))
        .makeOptionMandatory(),
    )
    .option("--config <file>", "send config (YAML): destination settings and pipeline tuning")
    .option("--spool <dir>", "spool folder: durable queue and dead-letter file", ".keytos-spool")
    .option("--drain-timeout <seconds>", "how long to keep delivering after the input ends or a signal", "30")
    .option("--json", "print the summary as JSON")
    .option(
      "--replay-dead-letters",
      "feed the destination's dead letters through the door again (after fixing their cause), then the input file if one is given (- for stdin); each line is replayed once",
    )
    .addHelpText(
      "after",
      [
        "",
        "Environment:",
        ...helpRows(sinks.map((s) => ({ key: s.key, lines: s.help.send }))),
        "",
        "Events not delivered stay in the spool: run send again (no input: < /dev/null)",
        "to deliver them. Dead letters go to <spool>/<destination>.deadletter.ndjson,",
        "each with its cause: malformed JSON, invalid envelope, too large, too old, too",
        "far in the future, or rejected by the destination.",
        "",
        "Exit codes (when several apply, the first of 3, 4, 5):",
        ...SEND_EXIT_HELP.flatMap(([code, lines]) =>
          lines.map((line, i) => `  ${(i === 0 ? String(code) : "").padEnd(5)}${line}`),
        ),
        "",
        "Examples:",
        "  KEYTOS_HTTP_TOKEN=... keytos-siem send --to http --config send.yaml events.ndjson",
        "  keytos-siem send --to http --replay-dead-letters   # once their cause is fixed",
      ].join("\n"),
    )
    .action(async (file: string | undefined, opts: SendOptions) => {
      commandExitCode = await runSend(file, opts, out, sinks);
    });

  program
    .command("forward")
    .description(
      "Deliver a Kafka topic to a destination as one member of a consumer group: run N of them to share " +
        "its partitions. Kafka is the buffer (no spool): each partition's offset is committed only up to " +
        "the last contiguous event the destination acknowledged or the dead-letter topic holds, so a " +
        "forwarder killed at any moment loses nothing. Lines refused at the door or condemned by the " +
        "destination go to the dead-letter topic with their reason in a header. Runs until SIGTERM.",
    )
    .addOption(
      new Option("--from <source>", "where events come from").choices(["kafka"]).makeOptionMandatory(),
    )
    .addOption(
      new Option("--to <destination>", "where to deliver")
        .choices(sinks.map((s) => s.key))
        .makeOptionMandatory(),
    )
    .option(
      "--config <file>",
      "send config (YAML): its forward section (the source), the destination's, pipeline",
    )
    .option("--topic <topic>", "topic to read (forward.topic, KEYTOS_FORWARD_TOPIC)")
    .option("--group <group>", "consumer group (default keytos-siem-forward.<destination>)")
    .option("--dead-letter-topic <topic>", "where refused events go (default <topic>.deadletter)")
    .option("--metrics-port <port>", "serve Prometheus metrics on this port (GET /metrics)")
    .option("--status-interval <seconds>", "seconds between status lines", "10")
    .option("--drain-timeout <seconds>", "how long to keep delivering after a signal", "30")
    .option("--json", "status lines as JSON, one object per line")
    .addHelpText(
      "after",
      [
        "",
        "Environment:",
        ...helpRows([
          {
            key: "from kafka",
            lines: [
              "KEYTOS_FORWARD_BROKERS, KEYTOS_FORWARD_TOPIC,",
              "KEYTOS_FORWARD_GROUP;",
              "KEYTOS_FORWARD_USERNAME, KEYTOS_FORWARD_PASSWORD: the forwarder's",
              "own SASL user (not the sender's)",
            ],
          },
          ...sinks.map((s) => ({ key: s.key, lines: s.help.send })),
        ]),
        "",
        "Exit codes:",
        ...FORWARD_EXIT_HELP.flatMap(([code, lines]) =>
          lines.map((line, i) => `  ${(i === 0 ? String(code) : "").padEnd(5)}${line}`),
        ),
        "",
        "Examples:",
        "  export KEYTOS_FORWARD_USERNAME=siem-forwarder KEYTOS_FORWARD_PASSWORD=...",
        "  KEYTOS_HTTP_TOKEN=... keytos-siem forward --from kafka --to http \\",
        "    --config send.yaml --metrics-port 9464",
      ].join("\n"),
    )
    .action(async (opts: ForwardOptions) => {
      // Loaded only for this command: kafkajs and prom-client are no weight for the others.
      const { runForward } = require("./forward") as typeof import("./forward");
      commandExitCode = await runForward(opts, out, sinks);
    });

  program
    .command("plan")
    .description(
      "Show what `pulumi up` would create for a customer stack, offline: the stack program runs under " +
        "Pulumi's mocks (no Pulumi CLI, no cloud credentials). Resources grouped by destination with " +
        "their key settings, then the alert matrix (event x destination: query, severity).",
    )
    .addOption(
      new Option("--stack <name>", "stack name: reads stacks/Pulumi.<name>.yaml").conflicts("config"),
    )
    .option("--config <file>", "a stack config file (same shape as Pulumi.<stack>.yaml)")
    .option("--policy <file>", "alert policy to use instead of the stack's keytos-siem:policyFile")
    .option("--json", "print the plan as JSON (stable order, for CI diffs)")
    .option("--wide", WIDE)
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  keytos-siem plan                      lists the stacks it can plan",
        "  keytos-siem plan --stack example-all",
        "  keytos-siem plan --config customers/contoso.yaml --policy policies/strict.yaml --json",
        "",
        "Values the cloud assigns on deploy (ARNs, ids, keys, endpoints) show as",
        '"(known after deploy)", as pulumi preview shows them.',
        "Exit code 1 with every problem listed when the config or the policy is invalid.",
      ].join("\n"),
    )
    .action(async (opts: PlanOptions) => {
      if (!opts.stack && !opts.config) {
        const stacks = listStacks(projectRoot(), destinations);
        if (stacks.length === 0) {
          throw new UsageError(
            `no stack files in ${path.join(projectRoot(), "stacks")}: give --config FILE (a Pulumi.<stack>.yaml)`,
          );
        }
        out.stdout(opts.json ? json({ stacks }) : renderStackList(stacks));
        return;
      }
      // Pulumi stamps `new Error().stack` on every internal promise (leak diagnostics); under source
      // maps that is most of a plan's CPU. This process only plans, and reports messages, not
      // stacks: capture none (2.3x faster per stack). Pulumi still formats one full stack per
      // resource (its source position, which mocks ignore): without source maps (tsx turns them
      // on) that costs ~60 ms less per plan.
      Error.stackTraceLimit = 0;
      process.setSourceMapsEnabled(false);
      const plan = await runPlan(opts, destinations);
      for (const w of plan.warnings) out.stderr(`keytos-siem: warning: ${w}\n`);
      out.stdout(opts.json ? json(plan) : renderPlan(plan, destinations, layoutFor(opts)));
    });

  program
    .command("smoke")
    .description(
      "Post-deploy smoke test from the stack's outputs: per enabled destination, send a tagged test " +
        "event, confirm it landed, and check every alert's query against its event. Prints a table, " +
        "writes a JSON report (and JUnit XML with --junit). Exit 0 only when every check passed; " +
        '"sent, not verified" is not a pass.',
    )
    .requiredOption(
      "--outputs <file>",
      "`pulumi stack output --json --show-secrets` saved to a file, or - for stdin",
    )
    .option("--policy <file>", "alert policy (default: the stack's policyFile output)")
    .option("--report <file>", "JSON report file", "smoke-report.json")
    .option("--junit <file>", "also write JUnit XML (for CI test dashboards)")
    .addOption(
      new Option("--destination <name...>", "only these destinations").choices(smokeable.map((s) => s.key)),
    )
    .option("--patience <seconds>", "how long to wait for test events to become searchable")
    .option("--json", "print the report as JSON instead of the table")
    .option("--wide", WIDE)
    .addHelpText(
      "after",
      [
        "",
        "Verification credentials and overrides (environment):",
        ...helpRows(smokeable.map((s) => ({ key: s.key, lines: s.help.smoke }))),
        "",
        "Example:",
        "  pulumi stack output --json --show-secrets | keytos-siem smoke --outputs - --junit smoke.xml",
      ].join("\n"),
    )
    .action(async (opts: SmokeOptions) => {
      // Loaded on demand: the smoke checks pull in every destination's SDK (~40 MiB resident),
      // which a long-running `send` should not carry.
      const { runSmoke } = require("./smoke") as typeof import("./smoke");
      commandExitCode = await runSmoke(opts, out, registries);
    });

  oneLineErrors(program);
  return program;
}

/** Commander's errors as one line naming the problem and where the usage is. */
function oneLineErrors(command: Command, name = command.name()): void {
  command.configureOutput({
    outputError: (text, write) =>
      write(
        `keytos-siem: ${text
          .replace(/^error: /, "")
          .replace(/\s*\n\s*/g, " ")
          .trim()} (usage: ${name} --help)\n`,
      ),
  });
  for (const sub of command.commands) oneLineErrors(sub, `${name} ${sub.name()}`);
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], out: Out = defaultOut, registries = REGISTRIES): Promise<number> {
  const program = buildProgram(out, registries);
  commandExitCode = 0;
  try {
    await program.parseAsync(argv);
    return commandExitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (isUserMistake(err)) {
      out.stderr(`keytos-siem: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
