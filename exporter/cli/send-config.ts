/**
 * The `send` config file (YAML): pipeline tuning plus one section per destination (each section's
 * schema is the destination's own, exporter/sinks/<key>/spec.ts). Fields may also come from the
 * environment (credentials especially); they never come from argv.
 *
 *   pipeline: { maxInFlight: 4, lingerMs: 200, spoolMaxBytes: 268435456, requestTimeoutMs: 30000,
 *               retry: { initialMs: 200, maxMs: 30000, maxElapsedMs: 300000 } }
 *   http: { url: https://collector.example.com/ingest, maxEventsPerRequest: 1000 }
 */
import { z } from "zod";
import { FileError, parseYaml, readTextFile, strict } from "../../components/config/yaml-file";
import type { ExporterOptions } from "../pipeline/exporter";
import type { SinkSpec } from "../sinks/spec";

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
function sectionSchema(spec: SinkSpec) {
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
    });
    fileSchemas.set(sinks, schema);
  }
  return schema;
}

/** The fields the environment sets (a list field takes comma-separated values). */
function fromEnv(spec: SinkSpec, env: NodeJS.ProcessEnv): Record<string, unknown> {
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
  /** Deprecated names or fields the file used, with what to use instead. */
  warnings: string[];
}

/** Reads the config file (if any), merges the environment, validates the chosen destination. */
export function loadSendConfig(
  file: string | undefined,
  spec: SinkSpec,
  env: NodeJS.ProcessEnv,
  sinks: readonly SinkSpec[],
): SendSettings {
  const label = file ?? "(environment)";
  const parsed = file
    ? (parseYaml(fileSchema(sinks), readTextFile(file, "send config"), file, "send config").value as Record<
        string,
        unknown
      >)
    : {};
  const given = { ...((parsed[spec.key] as Record<string, unknown> | undefined) ?? {}) };
  const warnings: string[] = [];
  for (const [old, now] of Object.entries(spec.aliases ?? {})) {
    if (given[old] === undefined) continue;
    warnings.push(`${label}: ${spec.key}.${old} is the former name of ${spec.key}.${now}; rename it`);
    given[now] ??= given[old];
    delete given[old];
  }
  for (const [field, instead] of Object.entries(spec.deprecated ?? {})) {
    if (given[field] !== undefined) warnings.push(`${label}: ${spec.key}.${field} is deprecated: ${instead}`);
  }
  const section = { ...fromEnv(spec, env), ...given };
  const result = spec.config.safeParse(section, { reportInput: true });
  if (!result.success) {
    throw new FileError(
      "send config",
      label,
      result.error.issues.map((i) => {
        const variable = spec.env[String(i.path[0])];
        return {
          path: [spec.key, ...(i.path as (string | number)[])],
          message:
            i.code === "invalid_type" && i.input === undefined
              ? `required for --to ${spec.key}: set it in the config file${variable ? ` or ${variable}` : ""}`
              : i.message,
        };
      }),
    );
  }
  return {
    pipeline: (parsed.pipeline as SendSettings["pipeline"] | undefined) ?? {},
    sink: result.data,
    warnings,
  };
}
