/**
 * The `send` config file (YAML): pipeline tuning plus one section per destination (each section's
 * schema is the destination's own, exporter/sinks/<key>/spec.ts). Fields may also come from the
 * environment (credentials especially); they never come from argv. One pass reports every problem
 * of the file and of the environment, each named by where it came from (`send.yaml:5:3: http.tokn:
 * ...`, `AWS_REGION: ...`).
 *
 *   pipeline: { maxInFlight: 4, lingerMs: 200, spoolMaxBytes: 268435456, requestTimeoutMs: 30000,
 *               retry: { initialMs: 200, maxMs: 30000, maxElapsedMs: 300000 } }
 *   http: { url: https://collector.example.com/ingest, maxEventsPerRequest: 1000 }
 *
 * `forward` reads the same file: its source (the `forward` section) is checked the same way.
 */
import { z } from "zod";
import {
  checkYaml,
  FileError,
  type LocatedIssue,
  readTextFile,
  strict,
} from "../../components/config/yaml-file";
import { kafkaSourceSection } from "../forward/source";
import type { ExporterOptions } from "../pipeline/exporter";
import type { SinkSpec } from "../sinks/spec";

/** A section of the file: a destination's, or the forwarder's source. */
export type SectionSpec = Pick<SinkSpec, "key" | "config" | "env" | "aliases" | "deprecated">;

const pipelineSchema = strict({
  maxInFlight: z.int().min(1).max(64).optional(),
  lingerMs: z.int().min(0).max(60_000).optional(),
  spoolMaxBytes: z
    .int()
    .min(1024 * 1024, { error: "must be at least 1 MiB (1048576)" })
    .optional(),
  requestTimeoutMs: z.int().min(100).max(600_000).optional(),
  retry: z
    .strictObject({
      initialMs: z.int().min(1).optional(),
      maxMs: z.int().min(1).optional(),
      maxElapsedMs: z.int().min(0).optional(),
    })
    .optional(),
});

/** A section as the file may hold it: every field optional (the environment may add them), aliases too. */
function sectionSchema(spec: SectionSpec) {
  const shape = spec.config.shape as Record<string, z.ZodType>;
  return strict({
    ...Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])),
    ...Object.fromEntries(
      Object.entries(spec.aliases ?? {}).flatMap(([old, now]) =>
        shape[now] ? [[old, shape[now].optional()]] : [],
      ),
    ),
  });
}

// Sections are checked field by field here (so errors have lines); completeness after the env merge.
const fileSchemas = new WeakMap<readonly SinkSpec[], z.ZodType>();
function fileSchema(sinks: readonly SinkSpec[]): z.ZodType {
  let schema = fileSchemas.get(sinks);
  if (!schema) {
    schema = strict({
      pipeline: pipelineSchema.optional(),
      ...Object.fromEntries(sinks.map((s) => [s.key, sectionSchema(s).optional()])),
      [kafkaSourceSection.key]: sectionSchema(kafkaSourceSection).optional(),
    });
    fileSchemas.set(sinks, schema);
  }
  return schema;
}

/** The fields the environment sets (a list field takes comma-separated values). */
function fromEnv(spec: SectionSpec, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const shape = spec.config.shape as Record<string, z.ZodType>;
  return Object.fromEntries(
    Object.entries(spec.env).flatMap(([field, name]) => {
      const value = env[name];
      if (!value) return [];
      return [[field, shape[field] instanceof z.ZodArray ? value.split(",") : value]];
    }),
  );
}

export interface SendSettings {
  pipeline: Omit<ExporterOptions, "spoolDir">;
  sink: unknown;
  /** The source section, when one was asked for (forward). */
  source?: unknown;
  /** Deprecated names or fields the file used, with what to use instead. */
  warnings: string[];
}

/** The config file as checked: its document (as far as it is valid), its problems, where a field is. */
interface ConfigFile {
  raw: unknown;
  issues: LocatedIssue[];
  locate?: (issue: LocatedIssue) => LocatedIssue;
}

/** The file checked, or its one problem when it cannot be read (the environment is still checked). */
function readConfigFile(file: string, sinks: readonly SinkSpec[]): ConfigFile {
  let text: string;
  try {
    text = readTextFile(file, "send config");
  } catch (err) {
    if (!(err instanceof FileError)) throw err;
    return { raw: undefined, issues: err.issues };
  }
  const checked = checkYaml(fileSchema(sinks), text, "send config");
  return {
    raw: checked.value ?? checked.raw,
    issues: checked.issues,
    locate: (i) => checked.locator.locate(i),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the config file (if any), merges the environment, validates the chosen destination (and
 * the source, for forward). Every problem is reported at once: the file's, the environment's (a
 * field the file does not set), and the fields missing from both.
 */
export function loadSendConfig(
  file: string | undefined,
  spec: SinkSpec,
  env: NodeJS.ProcessEnv,
  sinks: readonly SinkSpec[],
  /** The forwarder's source section, and the fields its command line sets (they win over the file). */
  source?: { spec: SectionSpec; given: Record<string, unknown> },
): SendSettings {
  const label = file ?? "(environment)";
  const read: ConfigFile = file ? readConfigFile(file, sinks) : { raw: {}, issues: [] };
  const parsed = isRecord(read.raw) ? read.raw : {};
  const warnings: string[] = [];
  const sink = checkSection(read, parsed, label, spec, env, warnings, `--to ${spec.key}`);
  const from =
    source && checkSection(read, parsed, label, source.spec, env, warnings, "forward", source.given);
  const issues = [...read.issues, ...(from?.issues ?? []), ...sink.issues];
  if (!sink.ok || (from && !from.ok) || issues.length > 0) throw new FileError("send config", label, issues);
  return {
    pipeline: (parsed.pipeline as SendSettings["pipeline"] | undefined) ?? {},
    sink: sink.data,
    ...(from ? { source: from.data } : {}),
    warnings,
  };
}

/** One section with the environment merged in: its data, or the problems the file did not list already. */
function checkSection(
  read: ConfigFile,
  parsed: Record<string, unknown>,
  label: string,
  spec: SectionSpec,
  env: NodeJS.ProcessEnv,
  warnings: string[],
  /** What needs the section, for "required for ..." */
  usage: string,
  /** Fields set on the command line. */
  options: Record<string, unknown> = {},
): { ok: boolean; data?: unknown; issues: LocatedIssue[] } {
  const section = parsed[spec.key];
  const given = { ...(isRecord(section) ? section : {}) };
  for (const [field, value] of Object.entries(options)) if (value !== undefined) given[field] = value;
  for (const [old, now] of Object.entries(spec.aliases ?? {})) {
    if (given[old] === undefined) continue;
    warnings.push(`${label}: ${spec.key}.${old} is the former name of ${spec.key}.${now}; rename it`);
    given[now] ??= given[old];
    delete given[old];
  }
  for (const [field, instead] of Object.entries(spec.deprecated ?? {})) {
    if (given[field] !== undefined) warnings.push(`${label}: ${spec.key}.${field} is deprecated: ${instead}`);
  }
  const fromEnvironment = fromEnv(spec, env);
  const result = spec.config.safeParse({ ...fromEnvironment, ...given }, { reportInput: true });
  if (result.success) return { ok: true, data: result.data, issues: [] };
  // The file's own problems are listed already (its unknown fields too): not again from the merge.
  const inFile = new Set(read.issues.filter((i) => i.path[0] === spec.key).map((i) => i.path[1]));
  // What a file that cannot be read (or parsed, or whose section is no mapping) sets is unknown:
  // no field is said to be missing then.
  const unknownSection = read.raw === undefined || (section !== undefined && !isRecord(section));
  const issues = result.error.issues.flatMap((i): LocatedIssue[] => {
    const field = String(i.path[0]);
    if (read.issues.length > 0 && (i.code === "unrecognized_keys" || inFile.has(field))) return [];
    const variable = spec.env[field];
    if (given[field] === undefined && fromEnvironment[field] !== undefined)
      return [{ path: [], message: i.message, input: i.input, source: variable }];
    const missing = i.code === "invalid_type" && i.input === undefined;
    if (missing && unknownSection) return [];
    const issue = {
      path: [spec.key, ...(i.path as (string | number)[])],
      message: missing
        ? `required for ${usage}: set it in the config file${variable ? ` or ${variable}` : ""}`
        : i.message,
    };
    return [given[field] !== undefined && read.locate ? read.locate(issue) : issue];
  });
  return { ok: false, issues };
}
