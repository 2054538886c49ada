/**
 * The real test services (Kafka broker, moto) as one unit: start both, describe them for the
 * tests, stop both. Used by the vitest global setup and by `npm run services` (CI).
 */

import { rmSync } from "node:fs";
import type {} from "vitest";
import { type KafkaInfo, startKafka } from "./kafka";
import { type MotoInfo, startMoto } from "./moto";
import type { Spawned } from "./prereqs";

export interface TestServices {
  kafka: KafkaInfo;
  moto: MotoInfo;
}

declare module "vitest" {
  export interface ProvidedContext {
    services: TestServices;
  }
}

/** Starts both services in parallel; if one fails the other is stopped. */
export async function startServices(opts: { detached?: boolean } = {}): Promise<{
  services: TestServices;
  stop: () => Promise<void>;
}> {
  const results = await Promise.allSettled([startKafka(opts), startMoto(opts)]);
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.service] : [])) as Spawned[];
  const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
  if (failed.length > 0) {
    await Promise.all(started.map((s) => s.stop()));
    throw new Error(`Could not start the test services:\n${failed.map((e) => `- ${e.message}`).join("\n")}`);
  }
  const [kafka, moto] = results.map((r) => (r as PromiseFulfilledResult<{ info: unknown }>).value.info) as [
    KafkaInfo,
    MotoInfo,
  ];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
    for (const dir of [kafka.workDir, moto.workDir]) rmSync(dir, { recursive: true, force: true });
  };
  return { services: { kafka, moto }, stop };
}
