/**
 * The `azure` destination: the Azure Monitor Logs Ingestion API through @azure/monitor-ingestion.
 * Each event becomes a row of its custom table (components/azure/shape.ts) and goes to that
 * table's DCR stream. The SDK splits a batch into gzip calls under 1 MB and runs maxConcurrency
 * of them per stream; a call that fails reports its rows through `onError` (and `upload` then
 * throws AggregateLogsUploadError). Those rows are mapped back to their place in the batch and
 * classified, so the pipeline retries, splits or dead-letters them: none is dropped.
 */
import { LogsIngestionClient, type LogsUploadFailure } from "@azure/monitor-ingestion";
import { azureConflict, type SentinelRow, toSentinelRow } from "../../../components/azure/shape";
import { parseRetryAfter } from "../../pipeline/retry";
import type { SendOutcome, Sink, SinkEvent, SinkLimits } from "../../pipeline/sink";
import type { SinkOptions } from "../spec";
import { azureCredential, azureTlsOptions } from "./credential";
import type { AzureSinkConfig } from "./spec";

export { type AzureSinkConfig, azureSinkConfigSchema } from "./spec";

/** The SDK starts a new call before a chunk's row JSON reaches 1,000,000 bytes. */
const SDK_CHUNK_BYTES = 1_000_000;

export function azureLimits(maxConcurrency: number): SinkLimits {
  return {
    // One batch fills the SDK's concurrent calls: maxConcurrency chunks of just under 1 MB.
    maxEventsPerRequest: 10_000 * maxConcurrency,
    maxBytesPerRequest: SDK_CHUNK_BYTES * maxConcurrency,
    // A single row must fit one call.
    maxBytesPerEvent: SDK_CHUNK_BYTES - 1,
    // The SDK runs maxConcurrency calls per batch (per stream): one batch in flight is that many
    // calls, as documented; more batches multiplied them (4 x 4 by default) and the rows in memory.
    maxInFlight: 1,
  };
}

type Row = Record<string, unknown>;
export interface StreamUpload {
  stream: string;
  rows: Row[];
  /** Batch index of each row. */
  indexes: number[];
}

/** How one failed call's rows should be handled. */
type FailureClass =
  | { kind: "stop"; reason: string }
  | { kind: "retryable"; reason: string; retryAfterMs?: number }
  | { kind: "too-large"; reason: string }
  | { kind: "permanent"; reason: string };

type RestErrorLike = Error & {
  statusCode?: number;
  code?: string;
  response?: { headers: { get(name: string): string | undefined }; bodyAsText?: string | null };
};

const CREDENTIAL_ERRORS = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
]);
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Classifies the cause of a failed upload call. */
export function classifyUploadError(
  cause: Error,
  config: Pick<AzureSinkConfig, "dcrImmutableId">,
  stream: string,
): FailureClass {
  const e = cause as RestErrorLike;
  const said = `${e.name}${e.statusCode ? ` HTTP ${e.statusCode}` : ""}${e.code ? ` ${e.code}` : ""}: ${e.message.slice(0, 300)}`;
  if (CREDENTIAL_ERRORS.has(e.name)) {
    return {
      kind: "stop",
      reason: `no Azure token: ${said} (check azure.credential and the credential it selects: AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, a managed identity, az login, or KEYTOS_AZURE_ACCESS_TOKEN)`,
    };
  }
  const status = e.statusCode;
  if (status === undefined) return { kind: "retryable", reason: `network error ${said}` };
  if (status === 413) return { kind: "too-large", reason: said };
  if (RETRYABLE.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfter(e.response?.headers.get("retry-after"));
    return { kind: "retryable", reason: said, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (status === 401 || status === 403) {
    return {
      kind: "stop",
      reason: `${said} (authentication failed: the sender needs Monitoring Metrics Publisher on the DCR, and the token's audience must be the Azure Monitor one)`,
    };
  }
  if (status === 404) {
    return {
      kind: "stop",
      reason: `${said} (DCR ${config.dcrImmutableId} or its stream ${stream} does not exist at this endpoint: check dcrImmutableId and endpoint against the AzureDestination outputs)`,
    };
  }
  // Only a bad request condemns the rows; any other refusal is about the sender or its target.
  if (status === 400 || status === 422) return { kind: "permanent", reason: said };
  return { kind: "stop", reason: `${said} (the service refused the request itself, not the rows)` };
}

/** Combines the failed calls of one batch into the pipeline's outcome. */
export function combineFailures(
  failures: { indexes: number[]; failure: FailureClass }[],
  batchSize: number,
): SendOutcome {
  if (failures.length === 0) return { kind: "ok" };
  const failed = failures.reduce((n, f) => n + f.indexes.length, 0);
  const kinds = new Set(failures.map((f) => f.failure.kind));
  const [first] = failures as [(typeof failures)[number]];
  // The longest wait any throttled call asked for.
  const retryAfterMs = Math.max(
    0,
    ...failures.map((x) => (x.failure.kind === "retryable" ? (x.failure.retryAfterMs ?? 0) : 0)),
  );
  const wait = retryAfterMs > 0 ? { retryAfterMs } : {};
  if (failed === batchSize && kinds.size === 1) {
    const f = first.failure;
    if (f.kind === "stop") return { kind: "stop", reason: f.reason };
    if (f.kind === "too-large") return { kind: "too-large", reason: f.reason };
    if (f.kind === "permanent") return { kind: "permanent", reason: f.reason };
    return { kind: "retryable", reason: f.reason, ...wait };
  }
  // Some calls failed, others landed: only the failed rows go back. A too-large call is retried
  // with fewer rows (the SDK re-chunks them); a `stop` failure beside successes is taken as transient.
  return {
    kind: "partial",
    rejected: failures.flatMap(({ indexes, failure }) =>
      indexes.map((index) => ({ index, reason: failure.reason, retryable: failure.kind !== "permanent" })),
    ),
    ...wait,
  };
}

export class AzureLogsSink implements Sink<StreamUpload[]> {
  readonly name = "azure";
  readonly limits: SinkLimits;
  private readonly client: LogsIngestionClient;
  private readonly maxConcurrency: number;
  readonly needsEnvelope = false; // encodes the rows made at the door

  constructor(
    private readonly config: AzureSinkConfig,
    credential = azureCredential(config, process.env),
  ) {
    this.maxConcurrency = config.maxConcurrency ?? 4;
    this.limits = azureLimits(this.maxConcurrency);
    this.client = new LogsIngestionClient(config.endpoint, credential, {
      // The pipeline retries, with its own budget, backoff and counters.
      retryOptions: { maxRetries: 0 },
      tlsOptions: azureTlsOptions(config.caFile),
      ...(config.audience ? { audience: config.audience } : {}),
      userAgentOptions: { userAgentPrefix: "keytos-siem" },
    });
  }

  /** A top-level field that would clash in AdditionalData_s: refused at the door, with the reason. */
  unfit(event: SinkEvent): string | undefined {
    const conflict = azureConflict(event.env);
    return conflict && `azure cannot store the event as sent: ${conflict}`;
  }

  /** The event's row and its stream, made once per event (at the door, or at read-back). */
  private row(event: SinkEvent): SentinelRow {
    event.shaped ??= toSentinelRow(event.env);
    return event.shaped as SentinelRow;
  }

  /** Row JSON bytes, as the SDK counts them toward its 1,000,000-byte chunks. */
  eventBytes(event: SinkEvent): number {
    return Buffer.byteLength(JSON.stringify(this.row(event).row)); // as the SDK serialises it
  }

  /** Rows grouped by stream, each remembering its batch index. */
  encode(batch: readonly SinkEvent[]): StreamUpload[] {
    const byStream = new Map<string, StreamUpload>();
    batch.forEach((e, index) => {
      const { table, row } = this.row(e);
      let upload = byStream.get(table.stream);
      if (!upload) {
        upload = { stream: table.stream, rows: [], indexes: [] };
        byStream.set(table.stream, upload);
      }
      upload.rows.push(row);
      upload.indexes.push(index);
    });
    return [...byStream.values()];
  }

  async send(
    uploads: StreamUpload[],
    batch: readonly SinkEvent[],
    signal: AbortSignal,
  ): Promise<SendOutcome> {
    const failures: { indexes: number[]; failure: FailureClass }[] = [];
    await Promise.all(uploads.map((u) => this.upload(u, signal, failures)));
    return combineFailures(failures, batch.length);
  }

  private async upload(
    u: StreamUpload,
    signal: AbortSignal,
    failures: { indexes: number[]; failure: FailureClass }[],
  ): Promise<void> {
    // The SDK hands back the very row objects that failed: find their batch indexes by identity.
    const indexOf = new Map<Row, number>(u.rows.map((row, i) => [row, u.indexes[i] as number]));
    const reported = new Set<Row>();
    const onError = ({ failedLogs, cause }: LogsUploadFailure) => {
      const indexes = failedLogs.map((row) => {
        reported.add(row);
        return indexOf.get(row) as number;
      });
      failures.push({ indexes, failure: classifyUploadError(cause, this.config, u.stream) });
    };
    let thrown: unknown;
    try {
      await this.client.upload(this.config.dcrImmutableId, u.stream, u.rows, {
        maxConcurrency: this.maxConcurrency,
        onError,
        abortSignal: signal,
      });
    } catch (err) {
      thrown = err;
    }
    // AggregateLogsUploadError only repeats what onError reported. But on abort the SDK stops
    // starting chunks and returns without an error, and other errors may leave chunks unrun: then
    // every unreported row is retried (at-least-once; RecordId_s identifies a resent row).
    const aggregate = (thrown as Error | undefined)?.name === "AggregateLogsUploadError";
    if (signal.aborted || (thrown !== undefined && !aggregate)) {
      const missing = u.rows.filter((row) => !reported.has(row)).map((row) => indexOf.get(row) as number);
      if (missing.length > 0) {
        const why = signal.aborted ? "aborted (timeout or shutdown)" : (thrown as Error).message;
        failures.push({
          indexes: missing,
          failure: { kind: "retryable", reason: `upload interrupted: ${why}` },
        });
      }
    }
  }

  async close(): Promise<void> {
    // The SDK keeps no connections that need closing.
  }
}

export function createAzureSink(config: AzureSinkConfig, opts: Pick<SinkOptions, "env">): Sink {
  return new AzureLogsSink(config, azureCredential(config, opts.env));
}
