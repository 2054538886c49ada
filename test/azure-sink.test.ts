/**
 * The azure sink: the real @azure/monitor-ingestion SDK against a local HTTPS Logs Ingestion API
 * enforcing the contract (bearer token, gzip JSON arrays, 1 MB, 404/413/429), with a test
 * credential. Partial failures come back to the pipeline and are retried, split or dead-lettered,
 * never dropped.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dcrBody } from "../components/azure/dcr";
import { SENTINEL_TABLES } from "../components/azure/tables";
import { sampleStream } from "../components/catalog";
import { Exporter, type ExporterOptions } from "../exporter/pipeline/exporter";
import {
  AzureLogsSink,
  type AzureSinkConfig,
  azureSinkConfigSchema,
  combineFailures,
} from "../exporter/sinks/azure";
import { azureCredential } from "../exporter/sinks/azure/credential";
import { AzureIngestionServer, MAX_BODY_BYTES } from "./support/azure-ingestion-server";

const DCR = "dcr-0123456789abcdef0123456789abcdef";

class TestCredential implements TokenCredential {
  readonly scopes: string[] = [];
  constructor(private readonly token: string) {}
  async getToken(scopes: string | string[], _opts?: GetTokenOptions): Promise<AccessToken> {
    this.scopes.push(...([] as string[]).concat(scopes));
    return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

let server: AzureIngestionServer;
beforeAll(async () => {
  server = await new AzureIngestionServer({ [DCR]: dcrBody("/subscriptions/x/workspace") }).start();
});
afterAll(() => server.stop());

const recent = (n: number, seed: number) =>
  [...sampleStream(n, { seed, time: Date.now() / 1000 - 60 })].map((e) => JSON.stringify(e));
const recordIds = (lines: string[]) => lines.map((l) => JSON.parse(l).event.RecordId as string);
const landed = () =>
  Object.values(SENTINEL_TABLES).flatMap((t) => server.rows(t.name).map((r) => r.RecordId_s as string));

function config(over: Partial<AzureSinkConfig> = {}): AzureSinkConfig {
  return { endpoint: server.origin, dcrImmutableId: DCR, caFile: server.caFile, ...over };
}

async function send(
  lines: string[],
  opts: {
    credential?: TokenCredential;
    config?: Partial<AzureSinkConfig>;
    exporter?: Partial<ExporterOptions>;
  } = {},
) {
  const sink = new AzureLogsSink(config(opts.config), opts.credential ?? new TestCredential(server.token));
  const exporter = new Exporter(sink, {
    spoolDir: mkdtempSync(path.join(tmpdir(), "keytos-az-")),
    lingerMs: 20,
    retry: { initialMs: 20, maxMs: 200, maxElapsedMs: 10_000 },
    ...opts.exporter,
  });
  await exporter.acceptMany(lines);
  return exporter.close({ timeoutMs: 30_000 });
}

function reset() {
  server.tables.clear();
  server.requests.length = 0;
  server.problems.length = 0;
}

describe("azure sink", () => {
  it("routes each event to its table's stream as a typed row, in SDK calls under 1 MB, with the monitor token", async () => {
    reset();
    const credential = new TestCredential(server.token);
    const lines = recent(6000, 61);
    const summary = await send(lines, { credential });
    expect(summary).toMatchObject({ accepted: 6000, sent: 6000, deadLettered: 0, inSpool: 0 });
    expect(server.problems).toEqual([]);
    expect(landed().sort()).toEqual(recordIds(lines).sort());
    expect(new Set(credential.scopes)).toEqual(new Set(["https://monitor.azure.com/.default"]));
    const ok = server.requests.filter((r) => r.status === 204);
    expect(ok.every((r) => r.bytes <= MAX_BODY_BYTES && r.compressedBytes < r.bytes / 3)).toBe(true);
    // More rows than one call holds: the SDK chunked at least one stream into several calls.
    const calls = (stream: string) => ok.filter((r) => r.stream === stream).length;
    expect(Math.max(...Object.values(SENTINEL_TABLES).map((t) => calls(t.stream)))).toBeGreaterThan(1);
    // The rows the guide's queries filter on: EventID_d is a number, TimeGenerated an ISO time.
    const row = server.rows("EZCA_Certificates_CL")[0] as Record<string, unknown>;
    expect(typeof row.EventID_d).toBe("number");
    expect(row.TimeGenerated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(server.rows("EZMonitor_Alerts_CL").every((r) => typeof r.VulnerabilityID_d === "number")).toBe(
      true,
    );
  });

  it("a throttled call (429 + Retry-After) beside successful ones: only its rows are retried, after the wait", async () => {
    reset();
    server.fail({ status: 429, retryAfter: "1", code: "TooManyRequests" });
    const lines = recent(4000, 62);
    const t0 = Date.now();
    const summary = await send(lines);
    expect(summary).toMatchObject({ sent: 4000, deadLettered: 0, inSpool: 0 });
    expect(summary.retried).toBeGreaterThan(0);
    expect(summary.retried).toBeLessThan(4000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    // Exactly once each: the throttled call stored nothing, the retry resent only its rows.
    expect(landed().sort()).toEqual(recordIds(lines).sort());
  });

  it("413 on a call splits the batch until it fits", async () => {
    reset();
    server.fail({ status: 413, code: "ContentLengthLimitExceeded" });
    const lines = recent(50, 63);
    const summary = await send(lines);
    expect(summary).toMatchObject({ sent: 50, deadLettered: 0 });
    expect(server.requests.some((r) => r.status === 413)).toBe(true);
    expect(landed().sort()).toEqual(recordIds(lines).sort());
  });

  it("a 5xx that outlasts the retry budget leaves the events in the spool, not lost", async () => {
    reset();
    server.fail(...Array.from({ length: 200 }, () => ({ status: 503 })));
    const summary = await send(recent(30, 64), {
      exporter: { retry: { initialMs: 10, maxMs: 50, maxElapsedMs: 400 } },
    });
    server.clearFaults();
    expect(summary).toMatchObject({ sent: 0, deadLettered: 0, inSpool: 30 });
  });

  it("a rejected token halts the run with the role to grant; the token never appears", async () => {
    reset();
    const summary = await send(recent(10, 65), { credential: new TestCredential("stolen-or-expired-token") });
    expect(summary.halted).toMatch(/HTTP 401[\s\S]*Monitoring Metrics Publisher on the DCR/);
    expect(summary.halted).not.toContain("stolen-or-expired-token");
    expect(summary).toMatchObject({ inSpool: 10, deadLettered: 0 });
  });

  it("no token at all (the credential cannot get one) halts with where credentials come from; nothing dead-lettered", async () => {
    reset();
    const unavailable: TokenCredential = {
      getToken: async () => {
        throw Object.assign(
          new Error("EnvironmentCredential is unavailable. No underlying credential could be used."),
          {
            name: "CredentialUnavailableError",
          },
        );
      },
    };
    const summary = await send(recent(20, 69), { credential: unavailable });
    expect(summary.halted).toMatch(
      /^no Azure token: CredentialUnavailableError: .*\(check azure\.credential and the credential it selects/,
    );
    expect(summary).toMatchObject({ sent: 0, deadLettered: 0, inSpool: 20 });
    expect(server.requests).toHaveLength(0);
  });

  it("an unknown DCR halts with what to check", async () => {
    reset();
    const summary = await send(recent(5, 66), {
      config: { dcrImmutableId: "dcr-ffffffffffffffffffffffffffffffff" },
    });
    expect(summary.halted).toMatch(/HTTP 404[\s\S]*DCR dcr-f+ or its stream Custom-\w+ does not exist/);
    expect(summary).toMatchObject({ deadLettered: 0, inSpool: 5 });
  });

  it("TLS is verified: without the server's CA the upload fails and is retried, not sent insecurely", async () => {
    reset();
    const sink = new AzureLogsSink(config({ caFile: undefined }), new TestCredential(server.token));
    const events = [...sampleStream(3, { seed: 67 })].map((env) => ({ env, json: JSON.stringify(env) }));
    const outcome = await sink.send(sink.encode(events), events, AbortSignal.timeout(10_000));
    expect(outcome).toMatchObject({ kind: "retryable" });
    expect(JSON.stringify(outcome)).toMatch(/certificate/i);
    expect(server.requests).toHaveLength(0);
  });

  it("combines call failures: all alike -> that outcome; mixed -> per-row partial", () => {
    const retry = (ms?: number) => ({ kind: "retryable" as const, reason: "HTTP 429", retryAfterMs: ms });
    expect(combineFailures([], 5)).toEqual({ kind: "ok" });
    expect(
      combineFailures(
        [
          { indexes: [0, 1], failure: retry(1000) },
          { indexes: [2], failure: retry(3000) },
        ],
        3,
      ),
    ).toEqual({ kind: "retryable", reason: "HTTP 429", retryAfterMs: 3000 });
    expect(combineFailures([{ indexes: [0, 1], failure: { kind: "stop", reason: "401" } }], 2)).toEqual({
      kind: "stop",
      reason: "401",
    });
    expect(
      combineFailures(
        [
          { indexes: [3], failure: { kind: "permanent", reason: "HTTP 400" } },
          { indexes: [1], failure: retry(2000) },
        ],
        5,
      ),
    ).toEqual({
      kind: "partial",
      rejected: [
        { index: 3, reason: "HTTP 400", retryable: false },
        { index: 1, reason: "HTTP 429", retryable: true },
      ],
      retryAfterMs: 2000,
    });
  });

  it("bad config is refused with the field and the fix", () => {
    const parsed = azureSinkConfigSchema.safeParse({
      endpoint: "http://x.ingest.monitor.azure.com",
      dcrImmutableId: "abc",
    });
    expect(parsed.success).toBe(false);
    const messages = parsed.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
    expect(messages).toMatch(/endpoint: must be an https URL/);
    expect(messages).toMatch(/dcrImmutableId: must be a DCR immutable id/);
    expect(() => azureCredential({ credential: "clientSecret" }, {})).toThrow(
      /azure.credential is clientSecret but no tenant or client id: set azure.tenantId and azure.clientId/,
    );
    expect(() =>
      azureCredential(
        { credential: "clientSecret", tenantId: "11111111-2222-3333-4444-555555555555" },
        { AZURE_CLIENT_ID: "66666666-7777-8888-9999-000000000000" },
      ),
    ).toThrow(/AZURE_CLIENT_SECRET is not set/);
    expect(() => azureCredential({ credential: "accessToken" }, {})).toThrow(
      /KEYTOS_AZURE_ACCESS_TOKEN is not set/,
    );
  });

  it("keytos-siem send --to azure: config file + KEYTOS_AZURE_ACCESS_TOKEN, exit 0, token never printed", async () => {
    reset();
    const dir = mkdtempSync(path.join(tmpdir(), "keytos-az-cli-"));
    const lines = recent(300, 68);
    writeFileSync(path.join(dir, "events.ndjson"), `${lines.join("\n")}\n`);
    writeFileSync(
      path.join(dir, "send.yaml"),
      `azure:\n  endpoint: ${server.origin}\n  dcrImmutableId: ${DCR}\n  credential: accessToken\n  caFile: ${server.caFile}\n`,
    );
    const bin = path.resolve(__dirname, "..", "exporter", "cli", "bin.cjs");
    // Asynchronous: the test server runs in this process and must keep answering.
    const run = (args: string[], env: Record<string, string>) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [bin, "send", "--to", "azure", "--spool", path.join(dir, "spool"), ...args],
          {
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("exit", (status) => resolve({ status, stdout, stderr }));
      });
    const r = await run(["--config", path.join(dir, "send.yaml"), path.join(dir, "events.ndjson")], {
      KEYTOS_AZURE_ACCESS_TOKEN: server.token,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^send to azure: accepted 300, sent 300, retried 0, dead-lettered 0/);
    expect(r.stdout + r.stderr).not.toContain(server.token);
    expect(landed().sort()).toEqual(recordIds(lines).sort());
    const missing = await run([path.join(dir, "events.ndjson")], {});
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/endpoint[\s\S]*KEYTOS_AZURE_INGESTION_ENDPOINT/);
  });
});
