/**
 * Runs every enabled destination's smoke check from a stack's outputs (`pulumi stack output
 * --json --show-secrets`, contract in stacks/outputs.ts). The outputs say where each destination
 * is and carry the sender's keys; credentials for verification (reading back) come from the
 * environment, as do endpoint overrides for VPC endpoints, proxies and emulators:
 *   cloudwatch  KEYTOS_CLOUDWATCH_ENDPOINT (SDK + bearer endpoint), AWS credential chain to read back
 *   datadog     DD_APP_KEY to search for the test log and validate monitors
 *   azure       KEYTOS_AZURE_CREDENTIAL (default|clientSecret|certificate|accessToken) + its variables,
 *               KEYTOS_AZURE_QUERY_ENDPOINT (sovereign clouds, tests)
 *   kafka       KEYTOS_KAFKA_USERNAME / _PASSWORD (sender), KEYTOS_KAFKA_SMOKE_USERNAME / _PASSWORD
 *               (reader), KEYTOS_KAFKA_ALLOW_PLAINTEXT=true for SASL without TLS (warns)
 */
import type { CompiledRule } from "../../components/policy/compile";
import type { StackOutputValues } from "../../stacks/outputs";
import { CREDENTIAL_KINDS } from "../sinks/azure/config";
import { smokeAzure } from "./azure";
import { smokeCloudWatch } from "./cloudwatch";
import { smokeDatadog } from "./datadog";
import { SMOKE_DESTINATIONS, type SmokeDestination } from "./destinations";
import { smokeKafka } from "./kafka";
import type { SmokeResult } from "./result";

export { SMOKE_DESTINATIONS, type SmokeDestination } from "./destinations";

export interface SmokeRunOptions {
  rules: readonly CompiledRule[];
  env: NodeJS.ProcessEnv;
  /** Only these destinations (default: every one the outputs enable). */
  only?: readonly SmokeDestination[];
  /** Patience for ingestion to become searchable, per destination check. */
  patienceMs?: number;
  onProgress?: (message: string) => void;
  /** Called as each destination starts (progress on a terminal). */
  onDestination?: (destination: SmokeDestination) => void;
}

/** Destinations the outputs enable, in a fixed order. */
export function enabledDestinations(outputs: StackOutputValues): SmokeDestination[] {
  return SMOKE_DESTINATIONS.filter((d) => outputs[d] !== undefined);
}

export async function smokeFromOutputs(
  outputs: StackOutputValues,
  opts: SmokeRunOptions,
): Promise<SmokeResult[]> {
  const { env } = opts;
  const patience = opts.patienceMs !== undefined ? { patienceMs: opts.patienceMs } : {};
  const results: SmokeResult[] = [];
  for (const d of enabledDestinations(outputs)) {
    if (opts.only && !opts.only.includes(d)) continue;
    opts.onDestination?.(d);
    if (d === "cloudwatch" && outputs.cloudwatch) {
      const o = outputs.cloudwatch;
      const apiKey = outputs.cloudwatchApiKey;
      results.push(
        ...(await smokeCloudWatch({
          config: {
            region: o.region,
            logGroup: o.logGroupName,
            logStream: o.logStreamName,
            // The portals post with the API key: test that path when the stack made one.
            auth: apiKey ? "bearer" : "sigv4",
            ...(apiKey ? { apiKey } : {}),
            ...(env.KEYTOS_CLOUDWATCH_ENDPOINT ? { endpoint: env.KEYTOS_CLOUDWATCH_ENDPOINT } : {}),
          },
          env,
          rules: opts.rules,
          ...patience,
        })),
      );
    }
    if (d === "datadog" && outputs.datadog) {
      const o = outputs.datadog;
      results.push(
        ...(await smokeDatadog({
          config: {
            site: o.site as Parameters<typeof smokeDatadog>[0]["config"]["site"],
            endpoint: o.intakeUrl,
            ...(outputs.datadogApiKey ? { apiKey: outputs.datadogApiKey } : {}),
          },
          env,
          rules: opts.rules,
          monitorIds: o.monitorIds,
          apiUrl: o.apiUrl,
          ...patience,
        })),
      );
    }
    if (d === "azure" && outputs.azure) {
      const o = outputs.azure;
      const credential = env.KEYTOS_AZURE_CREDENTIAL as (typeof CREDENTIAL_KINDS)[number] | undefined;
      if (credential && !CREDENTIAL_KINDS.includes(credential)) {
        throw new Error(
          `KEYTOS_AZURE_CREDENTIAL "${credential}" must be one of ${CREDENTIAL_KINDS.join(", ")}`,
        );
      }
      results.push(
        ...(await smokeAzure({
          config: {
            endpoint: o.ingestionEndpoint,
            dcrImmutableId: o.dcrImmutableId,
            ...(credential ? { credential } : {}),
          },
          env,
          rules: opts.rules,
          workspaceResourceId: o.workspaceResourceId,
          ...(env.KEYTOS_AZURE_QUERY_ENDPOINT ? { queryEndpoint: env.KEYTOS_AZURE_QUERY_ENDPOINT } : {}),
          ...patience,
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        })),
      );
    }
    if (d === "kafka" && outputs.kafka) {
      const o = outputs.kafka;
      results.push(
        ...(await smokeKafka({
          config: {
            brokers: o.bootstrapServers,
            topic: o.topic,
            ...(env.KEYTOS_KAFKA_ALLOW_PLAINTEXT === "true" ? { allowPlaintext: true } : {}),
          },
          env,
        })),
      );
    }
  }
  return results;
}
