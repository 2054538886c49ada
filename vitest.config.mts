import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real Kafka broker + moto, started once per run (or reused from `npm run services -- start`).
    globalSetup: ["test/services/global-setup.ts"],
    // Descriptors require their Pulumi components lazily: Node's require must load TypeScript.
    // Each test file's temporary files live in a folder of its own, removed after it.
    setupFiles: ["test/support/require-ts.ts", "test/support/temp-dir.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: forks keep the Kusto language service and the kafkajs clients in separate processes.
    pool: "forks",
    // vitest's summary, then one plain "N passed, N failed" line for CI logs.
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
