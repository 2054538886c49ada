/**
 * `azure` section of the send config and the @azure/identity credential it selects:
 *   default       DefaultAzureCredential (environment, workload identity, managed identity,
 *                 Azure CLI...): the right choice on Azure and on a developer machine;
 *   clientSecret  an app registration's secret from AZURE_CLIENT_SECRET (never the config file);
 *   certificate   an app registration's certificate (PEM with the private key) from a file;
 *   accessToken   a token already obtained for https://monitor.azure.com (e.g. `az account
 *                 get-access-token --resource https://monitor.azure.com`) in KEYTOS_AZURE_ACCESS_TOKEN,
 *                 for CI jobs that cannot run an identity flow.
 * Endpoint and DCR come from the SentinelDestination outputs (ingestionEndpoint, dcrImmutableId).
 */
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import {
  type AccessToken,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredential,
} from "@azure/identity";
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

/** A credential that hands out one pre-obtained token. */
export class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

type CredentialConfig = Pick<AzureSinkConfig, "credential" | "tenantId" | "clientId" | "certificatePath">;

/** Builds the configured credential; throws naming the missing setting and where to put it. */
export function azureCredential(config: CredentialConfig, env: NodeJS.ProcessEnv): TokenCredential {
  const kind = config.credential ?? "default";
  const tenantId = config.tenantId ?? env.AZURE_TENANT_ID;
  const clientId = config.clientId ?? env.AZURE_CLIENT_ID;
  const need = (what: string) => {
    throw new Error(`azure.credential is ${kind} but ${what}`);
  };
  switch (kind) {
    case "default":
      return new DefaultAzureCredential();
    case "accessToken": {
      const token = env.KEYTOS_AZURE_ACCESS_TOKEN;
      if (!token)
        need(
          "KEYTOS_AZURE_ACCESS_TOKEN is not set (az account get-access-token --resource https://monitor.azure.com)",
        );
      return new StaticTokenCredential(token as string);
    }
    case "clientSecret": {
      if (!tenantId || !clientId)
        need(
          "no tenant or client id: set azure.tenantId and azure.clientId (or AZURE_TENANT_ID / AZURE_CLIENT_ID)",
        );
      const secret = env.AZURE_CLIENT_SECRET;
      if (!secret) need("AZURE_CLIENT_SECRET is not set (the secret is read from the environment only)");
      return new ClientSecretCredential(tenantId as string, clientId as string, secret as string);
    }
    case "certificate": {
      if (!tenantId || !clientId)
        need(
          "no tenant or client id: set azure.tenantId and azure.clientId (or AZURE_TENANT_ID / AZURE_CLIENT_ID)",
        );
      if (!config.certificatePath)
        need("azure.certificatePath is not set (a PEM file with the certificate and its private key)");
      return new ClientCertificateCredential(tenantId as string, clientId as string, {
        certificatePath: config.certificatePath as string,
      });
    }
  }
}

/**
 * TLS options for the Azure SDK pipeline: extra trusted CAs on top of Node's bundled roots (a
 * bare `ca` would replace them), never fewer checks.
 */
export function azureTlsOptions(caFile: string | undefined): { ca?: string[] } {
  if (!caFile) return {};
  try {
    return { ca: [...rootCertificates, readFileSync(caFile, "utf8")] };
  } catch (err) {
    throw new Error(`azure.caFile: cannot read ${caFile} (${(err as Error).message})`);
  }
}
