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
 * Endpoint and DCR come from the component's outputs (ingestionEndpoint, dcrImmutableId).
 */
import { z } from "zod";
import type { AzureOutputs } from "../../../components/azure/contract";
import { SettingsError } from "../../../components/config/settings";
import { strict } from "../../../components/config/yaml-file";
import type { SinkSpec } from "../spec";

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

export const azureSpec = {
  key: "azure",
  title: "Azure Log Analytics / Sentinel",
  config: azureSinkConfigSchema,
  env: { endpoint: "KEYTOS_AZURE_INGESTION_ENDPOINT", dcrImmutableId: "KEYTOS_AZURE_DCR_IMMUTABLE_ID" },
  create: (config, o) => (require("./index") as typeof import("./index")).createAzureSink(config, o),
  smoke: (o, _secrets, ctx) => {
    const credential = ctx.env.KEYTOS_AZURE_CREDENTIAL as (typeof CREDENTIAL_KINDS)[number] | undefined;
    if (credential && !CREDENTIAL_KINDS.includes(credential)) {
      // A user's mistake, not a failed check: the CLI prints it and exits 1.
      throw new SettingsError("azure smoke", [
        `KEYTOS_AZURE_CREDENTIAL "${credential}" must be one of ${CREDENTIAL_KINDS.join(", ")}`,
      ]);
    }
    return (require("./smoke") as typeof import("./smoke")).smokeAzure({
      config: {
        endpoint: o.ingestionEndpoint,
        dcrImmutableId: o.dcrImmutableId,
        ...(credential ? { credential } : {}),
      },
      env: ctx.env,
      rules: ctx.rules,
      workspaceResourceId: o.workspaceResourceId,
      ...(ctx.env.KEYTOS_AZURE_QUERY_ENDPOINT ? { queryEndpoint: ctx.env.KEYTOS_AZURE_QUERY_ENDPOINT } : {}),
      ...(ctx.patienceMs !== undefined ? { patienceMs: ctx.patienceMs } : {}),
      ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
    });
  },
  help: {
    send: [
      "KEYTOS_AZURE_INGESTION_ENDPOINT, KEYTOS_AZURE_DCR_IMMUTABLE_ID; credential:",
      "DefaultAzureCredential, or AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET,",
      "or KEYTOS_AZURE_ACCESS_TOKEN with azure.credential: accessToken",
    ],
    smoke: [
      "KEYTOS_AZURE_CREDENTIAL=default|clientSecret|certificate|accessToken (+ AZURE_* /",
      "KEYTOS_AZURE_ACCESS_TOKEN); Log Analytics Reader to find the rows; KEYTOS_AZURE_QUERY_ENDPOINT",
    ],
  },
} satisfies SinkSpec<typeof azureSinkConfigSchema, AzureOutputs>;
