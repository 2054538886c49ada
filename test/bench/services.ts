/**
 * The bench's real peers (Kafka broker, moto): reused when `npm run services -- start` already
 * runs them (KEYTOS_TEST_SERVICES names the state file), otherwise started for this run.
 */
import { readFileSync } from "node:fs";
import { startServices, type TestServices } from "../services";

let started: { services: TestServices; stop: () => Promise<void> } | undefined;

export async function benchServices(): Promise<TestServices> {
  const state = process.env.KEYTOS_TEST_SERVICES;
  if (state) return JSON.parse(readFileSync(state, "utf8")) as TestServices;
  if (!started) {
    process.stderr.write("bench: starting the Kafka broker and moto...\n");
    started = await startServices();
  }
  return started.services;
}

export async function stopBenchServices(): Promise<void> {
  await started?.stop();
  started = undefined;
}
