/**
 * The `cloudwatch` destination: SigV4 (PutLogEvents) or bearer (HTTP ingestion with an API key).
 */
import type { Sink } from "../../pipeline/sink";
import { CloudWatchBearerSink } from "./bearer";
import type { CloudWatchSinkConfig } from "./config";
import { CloudWatchSdkSink } from "./sdk";

export type { CloudWatchSinkConfig } from "./config";
export { cloudWatchFromEnv, cloudWatchIngestionUrl, cloudWatchSinkConfigSchema } from "./config";

export function createCloudWatchSink(
  config: CloudWatchSinkConfig,
  opts: { connections: number; env: NodeJS.ProcessEnv },
): Sink {
  const apiKey = opts.env.KEYTOS_CLOUDWATCH_API_KEY ?? config.apiKey;
  const auth = config.auth ?? (apiKey ? "bearer" : "sigv4");
  if (auth === "sigv4") return new CloudWatchSdkSink(config);
  if (!apiKey) {
    throw new Error(
      "cloudwatch.auth is bearer but no API key is set: export KEYTOS_CLOUDWATCH_API_KEY (or cloudwatch.apiKey)",
    );
  }
  return new CloudWatchBearerSink(config, apiKey, opts.connections);
}
