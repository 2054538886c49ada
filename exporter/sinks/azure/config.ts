/**
 * `azure` section of the send config (kept free of the Azure SDK, so other destinations never
 * load it); credential.ts builds the @azure/identity credential it selects:
 *   default       DefaultAzureCredential (environment, workload identity, managed identity,
 *                 Azure CLI...): the right choice on Azure and on a developer machine;
 *   clientSecret  an app registration's secret from AZURE_CLIENT_SECRET (never the config file);
 *   certificate   an app registration's certificate (PEM with the private key) from a file;
 *   accessToken   a token already obtained for https://monitor.azure.com (e.g. `az account
 *                 get-access-token --resource https://monitor.azure.com`) in KEYTOS_AZURE_ACCESS_TOKEN,
 *                 for CI jobs that cannot run an identity flow.
 * Endpoint and DCR come from the SentinelDestination outputs (ingestionEndpoint, dcrImmutableId).
 */
import { z } from "zod";
import { strict } from "../../../components/config/yaml-file";

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
  error: "must be a GUID",
});

export const CREDENTIAL_KINDS = ["default", "clientSecret", "certificate", "accessToken"] as const;

export const azureSinkConfigSchema = strict({
  /** Logs ingestion endpoint: the DCE's, or a Direct DCR's (output ingestionEndpoint). */
  endpoint: z.url({ protocol: /^https$/, error: "must be an https URL (the Logs Ingestion API needs TLS)" }),
  /** The DCR's immutable id, `dcr-` and 32 hex digits (output dcrImmutableId). */
  dcrImmutableId: z
    .string()
    .regex(/^dcr-[0-9a-f]{32}$/i, { error: "must be a DCR immutable id: dcr- and 32 hex digits" }),
  /** How to authenticate (default: DefaultAzureCredential). */
  credential: z.enum(CREDENTIAL_KINDS).optional(),
  /** Tenant and app for clientSecret / certificate (or AZURE_TENANT_ID / AZURE_CLIENT_ID). */
  tenantId: guid.optional(),
  clientId: guid.optional(),
  /** PEM file with the certificate and its private key, for `certificate`. */
  certificatePath: z.string().min(1).optional(),
  /** Token audience: https://monitor.azure.com (default), https://monitor.azure.us, https://monitor.azure.cn. */
  audience: z
    .enum(["https://monitor.azure.com", "https://monitor.azure.us", "https://monitor.azure.cn"])
    .optional(),
  /** Extra CA certificates to trust (PEM file), e.g. a TLS-inspecting proxy's. Verification stays on. */
  caFile: z.string().min(1).optional(),
  /** Upload calls in flight per stream; the SDK splits each batch into calls under 1 MB. Default 4. */
  maxConcurrency: z.int().min(1).max(16).optional(),
});
export type AzureSinkConfig = z.infer<typeof azureSinkConfigSchema>;

export const azureFromEnv = (env: NodeJS.ProcessEnv): Partial<AzureSinkConfig> => ({
  ...(env.KEYTOS_AZURE_INGESTION_ENDPOINT ? { endpoint: env.KEYTOS_AZURE_INGESTION_ENDPOINT } : {}),
  ...(env.KEYTOS_AZURE_DCR_IMMUTABLE_ID ? { dcrImmutableId: env.KEYTOS_AZURE_DCR_IMMUTABLE_ID } : {}),
});

export const AZURE_ENV_NAMES = {
  endpoint: "KEYTOS_AZURE_INGESTION_ENDPOINT",
  dcrImmutableId: "KEYTOS_AZURE_DCR_IMMUTABLE_ID",
};
