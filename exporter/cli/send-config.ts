/**
 * The `send` config file (YAML): pipeline tuning plus one section per destination. Fields may
 * also come from the environment (credentials especially); they never come from argv.
 *
 *   pipeline: { maxInFlight: 4, lingerMs: 200, spoolMaxBytes: 268435456, requestTimeoutMs: 30000,
 *               retry: { initialMs: 200, maxMs: 30000, maxElapsedMs: 300000 } }
 *   http: { url: https://collector.example.com/ingest, maxEventsPerRequest: 1000 }
 */
import { z } from "zod";
import { FileError, parseYaml, readTextFile, strict } from "../../components/config/yaml-file";
import type { ExporterOptions } from "../pipeline/exporter";
import { type DestinationName, SINKS } from "../sinks";

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

const fileSchema = strict({
  pipeline: pipelineSchema.optional(),
  // Sections are checked field by field here (so errors have lines); completeness after env merge.
  ...Object.fromEntries(Object.entries(SINKS).map(([name, f]) => [name, f.schema.partial().optional()])),
});

export interface SendSettings {
  pipeline: Omit<ExporterOptions, "spoolDir">;
  sink: unknown;
}

/** Reads the config file (if any), merges the environment, validates the chosen destination. */
export function loadSendConfig(
  file: string | undefined,
  destination: DestinationName,
  env: NodeJS.ProcessEnv,
): SendSettings {
  const label = file ?? "(environment)";
  const parsed = file
    ? (parseYaml(fileSchema, readTextFile(file, "send config"), file, "send config").value as Record<
        string,
        unknown
      >)
    : {};
  const factory = SINKS[destination];
  const section = { ...factory.fromEnv(env), ...((parsed[destination] as object | undefined) ?? {}) };
  const result = factory.schema.safeParse(section, { reportInput: true });
  if (!result.success) {
    throw new FileError(
      "send config",
      label,
      result.error.issues.map((i) => ({
        path: [destination, ...(i.path as (string | number)[])],
        message:
          i.code === "invalid_type" && i.input === undefined
            ? `required for --to ${destination}: set it in the config file${
                (factory.envNames as Record<string, string>)[String(i.path[0])]
                  ? ` or ${(factory.envNames as Record<string, string>)[String(i.path[0])]}`
                  : ""
              }`
            : i.message,
      })),
    );
  }
  return { pipeline: (parsed.pipeline as SendSettings["pipeline"] | undefined) ?? {}, sink: result.data };
}
