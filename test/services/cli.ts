/**
 * `npm run services -- <install|start|stop>`: manage the real test services outside vitest.
 *   install  fetch the Kafka jars (Maven Central), moto and the Sigma toolchain (PyPI) into .cache/
 *   start    start both detached; write their connection details to the state file
 *   stop     stop what the state file lists
 * The state file is KEYTOS_TEST_SERVICES or .test-services/state.json; `npm test` reuses the
 * running services when KEYTOS_TEST_SERVICES names it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { processAlive } from "../../exporter/pipeline/process";
import { checkPrerequisites } from "./check";
import { startServices, type TestServices } from "./index";
import { installKafka } from "./kafka";
import { installMoto } from "./moto";
import { PROJECT_ROOT } from "./prereqs";
import { installSigma } from "./sigma";

const STATE = process.env.KEYTOS_TEST_SERVICES ?? path.join(PROJECT_ROOT, ".test-services", "state.json");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopFromState(): Promise<void> {
  if (!existsSync(STATE)) {
    console.log(`no running services recorded in ${STATE}`);
    return;
  }
  const state = JSON.parse(readFileSync(STATE, "utf8")) as TestServices;
  for (const [name, info] of Object.entries(state)) {
    if (info.pid && processAlive(info.pid)) {
      process.kill(-info.pid, "SIGTERM"); // detached: the pid leads its own process group
      for (let waited = 0; processAlive(info.pid) && waited < 15_000; waited += 200) await sleep(200);
      if (processAlive(info.pid)) process.kill(-info.pid, "SIGKILL");
      console.log(`stopped ${name} (pid ${info.pid})`);
    } else {
      console.log(`${name} was not running`);
    }
    rmSync(info.workDir, { recursive: true, force: true });
  }
  rmSync(STATE);
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case "install":
      checkPrerequisites("services");
      console.log(`Kafka jars: ${installKafka()}`);
      console.log(`moto: ${installMoto()}`);
      console.log(`Sigma toolchain: ${installSigma().join(", ")}`);
      return;
    case "start": {
      checkPrerequisites("services");
      const { services } = await startServices({ detached: true });
      mkdirSync(path.dirname(STATE), { recursive: true });
      writeFileSync(STATE, `${JSON.stringify(services, null, 2)}\n`, { mode: 0o600 });
      console.log(
        `Kafka ${services.kafka.version} on ${services.kafka.brokers.join(",")} (log ${services.kafka.logFile})`,
      );
      console.log(
        `moto ${services.moto.version} on ${services.moto.endpoint} (log ${services.moto.logFile})`,
      );
      console.log(`state: ${STATE}  (export KEYTOS_TEST_SERVICES=${STATE} to reuse from npm test)`);
      process.exit(0); // the detached children keep running
      return;
    }
    case "stop":
      return stopFromState();
    default:
      console.error("usage: npm run services -- <install|start|stop>");
      process.exitCode = 1;
  }
}

main(process.argv[2]).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
