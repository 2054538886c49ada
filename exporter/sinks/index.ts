/**
 * The destinations `keytos-siem send` can deliver to. Each entry validates its config section
 * and builds its sink; a new destination is one folder under sinks/ and one entry here.
 */
import type { z } from "zod";
import type { Sink } from "../pipeline/sink";
import { AZURE_ENV_NAMES, azureFromEnv, azureSinkConfigSchema, createAzureSink } from "./azure";
import { cloudWatchFromEnv, cloudWatchSinkConfigSchema, createCloudWatchSink } from "./cloudwatch";
import { createDatadogSink, datadogFromEnv, datadogSinkConfigSchema } from "./datadog";
import { HttpSink, httpSinkConfigSchema } from "./http";
import { createKafkaSink, kafkaFromEnv, kafkaSinkConfigSchema } from "./kafka";

export interface SinkFactory<S extends z.ZodType = z.ZodType> {
  /** Schema of the destination's section in the send config (same name as the destination). */
  schema: S;
  /** Environment variables that can stand in for config fields (credentials stay out of argv). */
  fromEnv(env: NodeJS.ProcessEnv): Partial<z.input<S>>;
  /** The environment variable behind each field fromEnv fills, for "required" messages. */
  envNames: Record<string, string>;
  create(config: z.output<S>, opts: { connections: number; env: NodeJS.ProcessEnv }): Sink;
}

export const SINKS = {
  http: {
    schema: httpSinkConfigSchema,
    fromEnv: (env) => ({ ...(env.KEYTOS_HTTP_URL ? { url: env.KEYTOS_HTTP_URL } : {}) }),
    envNames: { url: "KEYTOS_HTTP_URL" },
    create: (config, opts) => new HttpSink(config, opts),
  } satisfies SinkFactory<typeof httpSinkConfigSchema>,
  cloudwatch: {
    schema: cloudWatchSinkConfigSchema,
    fromEnv: cloudWatchFromEnv,
    envNames: {
      region: "AWS_REGION",
      logGroup: "KEYTOS_CLOUDWATCH_LOG_GROUP",
      logStream: "KEYTOS_CLOUDWATCH_LOG_STREAM",
    },
    create: createCloudWatchSink,
  } satisfies SinkFactory<typeof cloudWatchSinkConfigSchema>,
  datadog: {
    schema: datadogSinkConfigSchema,
    fromEnv: datadogFromEnv,
    envNames: { site: "DD_SITE" },
    create: createDatadogSink,
  } satisfies SinkFactory<typeof datadogSinkConfigSchema>,
  kafka: {
    schema: kafkaSinkConfigSchema,
    fromEnv: kafkaFromEnv,
    envNames: { brokers: "KEYTOS_KAFKA_BROKERS", topic: "KEYTOS_KAFKA_TOPIC" },
    create: (config, opts) => createKafkaSink(config, opts),
  } satisfies SinkFactory<typeof kafkaSinkConfigSchema>,
  azure: {
    schema: azureSinkConfigSchema,
    fromEnv: azureFromEnv,
    envNames: AZURE_ENV_NAMES,
    create: (config, opts) => createAzureSink(config, opts),
  } satisfies SinkFactory<typeof azureSinkConfigSchema>,
} as const;

export type DestinationName = keyof typeof SINKS;
export const DESTINATION_NAMES = Object.keys(SINKS) as DestinationName[];
