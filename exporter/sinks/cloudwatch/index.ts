/**
 * The `cloudwatch` sink: SigV4 (PutLogEvents) or bearer (HTTP ingestion with an API key).
 */
import type { Sink } from "../../pipeline/sink";
import type { SinkOptions } from "../spec";
import { CloudWatchBearerSink } from "./bearer";

import { CloudWatchSdkSink } from "./sdk";
import type { CloudWatchSinkConfig } from "./spec";

export { type CloudWatchSinkConfig, cloudWatchSinkConfigSchema } from "./spec";

export function createCloudWatchSink(config: CloudWatchSinkConfig, opts: SinkOptions): Sink {
  const apiKey = opts.env.KEYTOS_CLOUDWATCH_API_KEY ?? config.apiKey;
  const auth = config.auth ?? (apiKey ? "bearer" : "sigv4");
  if (auth === "sigv4") return new CloudWatchSdkSink(config);
  if (!apiKey) {
    throw new Error("cloudwatch.auth is bearer but no API key is set: export KEYTOS_CLOUDWATCH_API_KEY");
  }
  return new CloudWatchBearerSink(config, apiKey, opts.connections);
}
