/**
 * A real Apache Kafka broker for the tests: one KRaft node (broker + controller) from the
 * official Maven Central jars, a SASL_PLAINTEXT listener with PLAIN users on a free loopback
 * port, StandardAuthorizer with ACLs enforced (admin is the only super user), storage in a
 * fresh temp dir. Started once per test run.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import {
  CACHE_DIR,
  freePort,
  JAVA,
  MAVEN,
  PROJECT_ROOT,
  requirePrerequisites,
  runOrThrow,
  type Spawned,
  spawnService,
  waitUntil,
} from "./prereqs";

/** Must match <kafka.version> in test/services/kafka/pom.xml. */
export const KAFKA_VERSION = "4.1.1";
const POM = path.join(PROJECT_ROOT, "test", "services", "kafka", "pom.xml");
const LIBS = path.join(CACHE_DIR, `kafka-${KAFKA_VERSION}`, "libs");

export interface SaslUser {
  username: string;
  password: string;
}

export interface KafkaInfo {
  version: string;
  brokers: string[];
  mechanism: "plain";
  /** Super user: creates topics and ACLs in tests. */
  admin: SaslUser;
  /** The sender (EZCA / the exporter): gets only the ACLs a test grants it. */
  sender: SaslUser;
  /** Authenticates fine but has no ACLs at all (authorization-failure tests). */
  outsider: SaslUser;
  /** The sender's name with a wrong password (authentication-failure tests). */
  wrongPassword: SaslUser;
  logFile: string;
  /** Scratch folder (config, data, logs); removed when the service stops. */
  workDir: string;
  pid?: number;
}

const LIBS_MARKER = path.join(LIBS, ".complete");

/** Whether the broker jars are in the cache already (then Maven is not needed). */
export const kafkaInstalled = () => existsSync(LIBS_MARKER);

/** Fetches the broker jars into the cache with Maven (once). */
export function installKafka(): string {
  requirePrerequisites("The Kafka test broker", kafkaInstalled() ? [JAVA] : [JAVA, MAVEN]);
  if (kafkaInstalled()) return LIBS;
  runOrThrow(
    "mvn",
    [
      "-B",
      "-q",
      "-f",
      POM,
      "dependency:copy-dependencies",
      `-DoutputDirectory=${LIBS}`,
      "-DincludeScope=runtime",
    ],
    `Downloading Apache Kafka ${KAFKA_VERSION} jars from Maven Central`,
  );
  writeFileSync(LIBS_MARKER, `${new Date().toISOString()}\n`);
  return LIBS;
}

function serverProperties(dir: string, port: number, controllerPort: number, users: SaslUser[]): string {
  const jaasUsers = users.map((u) => `user_${u.username}="${u.password}"`).join(" ");
  const admin = users[0] as SaslUser;
  return [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=SASL_PLAINTEXT",
    "sasl.enabled.mechanisms=PLAIN",
    "sasl.mechanism.inter.broker.protocol=PLAIN",
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin.username}" password="${admin.password}" ${jaasUsers};`,
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    // The controller listener is PLAINTEXT (ANONYMOUS) on loopback only; it must be a super user.
    `super.users=User:${admin.username};User:ANONYMOUS`,
    "allow.everyone.if.no.acl.found=false",
    `log.dirs=${path.join(dir, "data")}`,
    "num.partitions=1",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=3",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "auto.create.topics.enable=false",
    "",
  ].join("\n");
}

const LOG4J = (logFile: string) =>
  [
    "rootLogger.level = INFO",
    "rootLogger.appenderRef.file.ref = FILE",
    "appender.file.type = File",
    "appender.file.name = FILE",
    `appender.file.fileName = ${logFile}`,
    "appender.file.layout.type = PatternLayout",
    "appender.file.layout.pattern = [%d] %p %m (%c)%n",
    "",
  ].join("\n");

/** Starts a broker; resolves when an authenticated admin client can describe the cluster. */
export async function startKafka(
  opts: { detached?: boolean } = {},
): Promise<{ info: KafkaInfo; service: Spawned }> {
  const broker = await restartableKafka(opts);
  return { info: broker.info, service: broker.service };
}

/**
 * A broker that can be stopped and started again on the same port, storage and users (the
 * fault suite takes it down mid-stream). `service` is the running process.
 */
export async function restartableKafka(opts: { detached?: boolean } = {}): Promise<{
  info: KafkaInfo;
  service: Spawned;
  stop: () => Promise<void>;
  restart: () => Promise<void>;
}> {
  const libs = installKafka();
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-kafka-"));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const secret = () => randomBytes(12).toString("base64url");
  const admin = { username: "admin", password: secret() };
  const sender = { username: "ezca-sender", password: secret() };
  const outsider = { username: "outsider", password: secret() };
  const props = path.join(dir, "server.properties");
  writeFileSync(props, serverProperties(dir, port, controllerPort, [admin, sender, outsider]));
  const logFile = path.join(dir, "broker.log");
  writeFileSync(path.join(dir, "log4j2.properties"), LOG4J(logFile));
  const cp = `${libs}/*`;
  const log4j = `-Dlog4j2.configurationFile=${path.join(dir, "log4j2.properties")}`;
  // The JVM ignores TMPDIR: its scratch files go in the work folder, and no /tmp/hsperfdata_<user>.
  const jvm = [log4j, "-XX:-UsePerfData", `-Djava.io.tmpdir=${dir}`];
  const clusterId = randomBytes(16).toString("base64url");
  runOrThrow(
    "java",
    [...jvm, "-cp", cp, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", props],
    "Formatting Kafka storage",
  );
  const info: KafkaInfo = {
    version: KAFKA_VERSION,
    brokers: [`127.0.0.1:${port}`],
    mechanism: "plain",
    admin,
    sender,
    outsider,
    wrongPassword: { username: sender.username, password: `${sender.password}-wrong` },
    logFile,
    workDir: dir,
  };
  const launch = async (): Promise<Spawned> => {
    const service = spawnService(
      "java",
      ["-Xms256m", "-Xmx768m", "-XX:+UseG1GC", ...jvm, "-cp", cp, "kafka.Kafka", props],
      path.join(dir, "java.out"),
      { detached: opts.detached ?? false },
    );
    if (service.child.pid) info.pid = service.child.pid;
    try {
      await waitUntil(
        `Kafka ${KAFKA_VERSION} broker on ${info.brokers[0]}`,
        async () => {
          if (service.child.exitCode !== null)
            throw new Error(`broker exited with code ${service.child.exitCode}`);
          const client = new Kafka({
            brokers: info.brokers,
            sasl: { mechanism: "plain", ...admin },
            logLevel: logLevel.NOTHING,
            retry: { retries: 0 },
            connectionTimeout: 1000,
          }).admin();
          try {
            await client.connect();
            const cluster = await client.describeCluster();
            return cluster.brokers.length === 1;
          } finally {
            await client.disconnect();
          }
        },
        90_000,
        logFile,
      );
    } catch (err) {
      await service.stop();
      throw err;
    }
    return service;
  };
  const broker = {
    info,
    service: await launch(),
    stop: () => broker.service.stop(),
    restart: async () => {
      broker.service = await launch();
    },
  };
  return broker;
}
