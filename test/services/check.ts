/**
 * The one prerequisite check, run first by `npm test` (its pretest script), by the vitest global
 * setup and by `npm run services -- install|start`: every missing program named in one message
 * with the apt-get line that installs them, before anything is downloaded or started. What is
 * needed depends on what is already there: Maven and Python's venv only until the Kafka jars,
 * moto and the Sigma toolchain are in .cache/; Java and Python only when the services are not running already
 * (KEYTOS_TEST_SERVICES); kcat, openssl and the librdkafka engine for the tests themselves.
 *
 *   tsx test/services/check.ts   exit 1 with the message when something is missing
 */
import { kafkaInstalled } from "./kafka";
import { motoInstalled } from "./moto";
import {
  JAVA,
  KCAT,
  LIBRDKAFKA_ENGINE,
  MAVEN,
  MissingPrerequisite,
  OPENSSL,
  type Prerequisite,
  PYTHON,
  PYTHON_VENV,
  requirePrerequisites,
} from "./prereqs";
import { sigmaInstalled } from "./sigma";

/** What installing and starting the services needs on this machine. */
function forServices(): Prerequisite[] {
  return [JAVA, ...(kafkaInstalled() ? [] : [MAVEN]), PYTHON, ...(motoInstalled() ? [] : [PYTHON_VENV])];
}

/** The Sigma toolchain's virtualenvs, which the tests use even when the services run already. */
function forSigma(): Prerequisite[] {
  return sigmaInstalled() ? [] : [PYTHON, PYTHON_VENV];
}

/** Throws one MissingPrerequisite naming everything `purpose` lacks. */
export function checkPrerequisites(purpose: "test" | "services", env = process.env): void {
  if (purpose === "services") {
    requirePrerequisites("npm run services", [...new Set([...forServices(), ...forSigma()])]);
    return;
  }
  const services = env.KEYTOS_TEST_SERVICES ? [] : forServices();
  requirePrerequisites("npm test", [
    ...new Set([...services, ...forSigma(), KCAT, OPENSSL, LIBRDKAFKA_ENGINE]),
  ]);
}

if (require.main === module) {
  try {
    checkPrerequisites("test");
  } catch (err) {
    if (!(err instanceof MissingPrerequisite)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
