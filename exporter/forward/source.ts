/**
 * Where `keytos-siem forward --from kafka` reads: the `forward` section of the send config file
 * (the Kafka component's target, the consumer group, the dead-letter topic, the forwarder's own
 * SASL user) and its environment; and the kafkajs client made from it. The forwarder's principal
 * is not the sender's: the Kafka component grants it Read on the topic and on the consumer groups
 * `keytos-siem-forward*`, and Write on the dead-letter topic (forwarderUsername).
 */
import type { Kafka } from "kafkajs";
import { z } from "zod";
import { strict } from "../../components/config/yaml-file";
import { deadLetterTopicOf, FORWARDER_GROUP_PREFIX, kafkaTarget } from "../../components/kafka/contract";

const GROUP = /^[A-Za-z0-9._-]{1,249}$/;

export const kafkaSourceSchema = strict({
  ...kafkaTarget,
  /** Consumer group; `keytos-siem-forward.<destination>` unless set (or --group). */
  group: z.string().regex(GROUP, "must be 1-249 characters of letters, digits, . _ -").optional(),
  /** Where events refused at the door or by the destination go. Default `<topic>.deadletter`. */
  deadLetterTopic: kafkaTarget.topic.optional(),
  /** SASL/PLAIN user of the forwarder; KEYTOS_FORWARD_USERNAME wins. */
  username: z.string().min(1).optional(),
  /** Deprecated here: use KEYTOS_FORWARD_PASSWORD. */
  password: z.string().min(1).optional(),
  /** SASL over a plaintext connection (test clusters only). */
  allowPlaintext: z.boolean().optional(),
  /** Events held (queued and in flight) before reading pauses. Default 20,000. */
  maxPendingEvents: z
    .int()
    .min(100, "must be at least 100")
    .max(1_000_000, "must be at most 1000000")
    .optional(),
  /** How long batches in flight may finish when partitions are taken away. Default 10 s. */
  revokeDeadlineMs: z
    .int()
    .min(0, "must be >= 0 (ms)")
    .max(300_000, "must be at most 300000 (ms)")
    .optional(),
  /**
   * How long the group waits for a silent member (killed, cut off) before its partitions go to the
   * others. Default 30 s; brokers allow 6 s to 30 min by default (group.min/max.session.timeout.ms).
   */
  sessionTimeoutMs: z
    .int()
    .min(6000, "must be at least 6000 (ms, the broker's group.min.session.timeout.ms default)")
    .max(1_800_000, "must be at most 1800000 (ms)")
    .optional(),
});
export type KafkaSourceConfig = z.output<typeof kafkaSourceSchema>;

/** The `forward` section as the send config loader reads it (a section like a destination's). */
export const kafkaSourceSection = {
  key: "forward",
  config: kafkaSourceSchema,
  env: {
    bootstrapServers: "KEYTOS_FORWARD_BROKERS",
    topic: "KEYTOS_FORWARD_TOPIC",
    group: "KEYTOS_FORWARD_GROUP",
  },
  deprecated: { password: "export KEYTOS_FORWARD_PASSWORD instead (secrets stay out of files)" },
} as const;

/** The source with every default filled in and its credentials. */
export interface KafkaSource {
  bootstrapServers: string[];
  topic: string;
  group: string;
  deadLetterTopic: string;
  username: string;
  password: string;
  allowPlaintext: boolean;
  maxPendingEvents?: number;
  revokeDeadlineMs?: number;
  sessionTimeoutMs?: number;
}

export const defaultGroup = (destination: string) => `${FORWARDER_GROUP_PREFIX}.${destination}`;

/** Resolves the source; throws (a one-line message) when the credentials are missing. */
export function resolveKafkaSource(
  config: KafkaSourceConfig,
  destination: string,
  env: NodeJS.ProcessEnv,
): KafkaSource {
  const username = env.KEYTOS_FORWARD_USERNAME ?? config.username;
  const password = env.KEYTOS_FORWARD_PASSWORD ?? config.password;
  if (!username || !password)
    throw new Error(
      "no Kafka SASL credentials for the forwarder: export KEYTOS_FORWARD_USERNAME and KEYTOS_FORWARD_PASSWORD",
    );
  return {
    bootstrapServers: config.bootstrapServers,
    topic: config.topic,
    group: config.group ?? defaultGroup(destination),
    deadLetterTopic: config.deadLetterTopic ?? deadLetterTopicOf(config.topic),
    username,
    password,
    allowPlaintext: config.allowPlaintext ?? false,
    ...(config.maxPendingEvents === undefined ? {} : { maxPendingEvents: config.maxPendingEvents }),
    ...(config.revokeDeadlineMs === undefined ? {} : { revokeDeadlineMs: config.revokeDeadlineMs }),
    ...(config.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: config.sessionTimeoutMs }),
  };
}

/** The kafkajs client of the forwarder: SASL/PLAIN, TLS unless allowPlaintext, patient reconnects. */
export function kafkaClientOf(source: KafkaSource): Kafka {
  // Required here: the send config reads this file's schema, and send needs no Kafka client.
  const { Kafka, logLevel } = require("kafkajs") as typeof import("kafkajs");
  return new Kafka({
    clientId: "keytos-siem-forward",
    brokers: source.bootstrapServers,
    ssl: !source.allowPlaintext,
    sasl: { mechanism: "plain", username: source.username, password: source.password },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    // A broker restarting takes seconds: the consumer retries, then kafkajs restarts it.
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
}

/** A Kafka refusal of the forwarder in one sentence naming the fix; undefined for other errors. */
export function explainRefusal(err: unknown, source: KafkaSource): string | undefined {
  let e = err as { name?: string; type?: string; message?: string; cause?: unknown; originalError?: unknown };
  for (let i = 0; i < 5 && !e.type && (e.originalError ?? e.cause); i++)
    e = (e.originalError ?? e.cause) as typeof e;
  const who = `User:${source.username}`;
  if (e.name === "KafkaJSSASLAuthenticationError" || (err as Error).name === "KafkaJSSASLAuthenticationError")
    return `Kafka refused the forwarder's credentials (${who}): check KEYTOS_FORWARD_USERNAME and KEYTOS_FORWARD_PASSWORD`;
  if (e.type === "TOPIC_AUTHORIZATION_FAILED")
    return `${who} may not read topic "${source.topic}": grant it Read on the topic (the Kafka component does with forwarderUsername)`;
  if (e.type === "GROUP_AUTHORIZATION_FAILED")
    return `${who} may not use consumer group "${source.group}": grant it Read on groups prefixed ${FORWARDER_GROUP_PREFIX} (the Kafka component does) and keep --group under that prefix`;
  // kafkajs hides the refusal behind "no coordinator" when the principal may not describe the group.
  if ((err as Error).name === "KafkaJSGroupCoordinatorNotFound")
    return `Kafka gives ${who} no coordinator for consumer group "${source.group}", most often because it may not use the group: grant it Read on groups prefixed ${FORWARDER_GROUP_PREFIX} (the Kafka component does) and keep --group under that prefix`;
  if (e.type === "UNKNOWN_TOPIC_OR_PARTITION")
    return `topic "${source.topic}" does not exist on ${source.bootstrapServers.join(",")}: check --topic`;
  return undefined;
}
