/**
 * The Kafka destination's contract, defined once: the target (bootstrap servers, topic) shared by
 * the component, the stack config and the sender; the topic and grant settings; the stack
 * outputs; and the pure builders the component and the tests share: the topic's config map, the
 * sender's ACLs (exactly Write and Describe on the topic, plus IdempotentWrite on the cluster
 * only for clusters older than Kafka 3.0) and, with a forwarder, its dead-letter topic and ACLs.
 */
import { z } from "zod";
import { flag, settingsOrThrow, wholeNumber } from "../config/settings";
import { strict } from "../config/yaml-file";

export const KAFKA_COMPONENT = "keytos-siem:kafka:KafkaDestination";

const HOST_PORT = /^[A-Za-z0-9.[\]:-]+:\d{1,5}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** Where events go: what the sender needs and the stack outputs carry (a shape; see cloudwatch's). */
export const kafkaTarget = {
  /** host:port list of the cluster's SASL listener. */
  bootstrapServers: z
    .array(z.string(), { error: "must be a list of host:port entries" })
    .refine(
      (list) => list.length > 0 && list.every((b) => HOST_PORT.test(b)),
      'must be host:port entries, e.g. ["kafka-1.example.com:9096"]',
    ),
  /** Topic EZCA / EZMonitor write to (component default `keytos-siem.audit`). */
  topic: z
    .string({ error: "must be a topic name" })
    .refine(
      (t) => TOPIC.test(t) && t !== "." && t !== "..",
      "must be 1-249 characters of letters, digits, . _ -",
    ),
};

/** Consumer groups of `keytos-siem forward` start with this; the forwarder's Read grant is on the prefix. */
export const FORWARDER_GROUP_PREFIX = "keytos-siem-forward";

/** The dead-letter topic of a topic, unless configured: `<topic>.deadletter`. */
export const deadLetterTopicOf = (topic: string) => `${topic}.deadletter`;

/** Largest record batch the topic accepts (max.message.bytes); the sender sizes batches from it. */
export const maxMessageBytes = wholeNumber().refine((n) => n >= 1024, "must be at least 1024 (bytes)");

const atLeastOne = () => wholeNumber().refine((n) => n >= 1, "must be a whole number >= 1");

export const kafkaSettings = strict({
  ...kafkaTarget,
  topic: kafkaTarget.topic.optional(),
  partitions: atLeastOne().optional(),
  replicationFactor: atLeastOne().optional(),
  /** How long events are kept. Default 7 days. */
  retentionMs: wholeNumber().optional(),
  cleanupPolicy: z
    .enum(["delete", "compact", "compact,delete"], {
      error: "must be one of delete, compact, compact,delete",
    })
    .optional(),
  /** Default min(2, replicationFactor). */
  minInsyncReplicas: wholeNumber().optional(),
  /** Largest record batch the topic accepts. Default 1048588 (Kafka's default). */
  maxMessageBytes: maxMessageBytes.optional(),
  /** SASL/PLAIN username of the sender; the ACL principal is `User:<name>`. */
  senderUsername: z
    .string({ error: "must be the SASL/PLAIN user name of the sender" })
    .regex(/^[A-Za-z0-9._@-]{1,255}$/, "must be the SASL/PLAIN user name (letters, digits, . _ @ -)"),
  /** Grant IdempotentWrite on the cluster (only needed before Kafka 3.0). Default false. */
  clusterIdempotentWrite: flag().optional(),
  /**
   * SASL/PLAIN username of `keytos-siem forward` (its own principal, not the sender's): Read on the
   * topic and on the consumer groups `keytos-siem-forward*`, Write on the dead-letter topic, which
   * is created with it. No forwarder side without it.
   */
  forwarderUsername: z
    .string({ error: "must be the SASL/PLAIN user name of the forwarder" })
    .regex(/^[A-Za-z0-9._@-]{1,255}$/, "must be the SASL/PLAIN user name (letters, digits, . _ @ -)")
    .optional(),
  /** The forwarder's dead-letter topic. Default `<topic>.deadletter`. */
  deadLetterTopic: kafkaTarget.topic.optional(),
});
export type KafkaSettings = z.input<typeof kafkaSettings>;
type Valid = z.output<typeof kafkaSettings>;

/** Rules across fields. */
export function checkKafka(s: Partial<Valid>): string[] {
  const replicationFactor = s.replicationFactor ?? 3;
  const min = s.minInsyncReplicas ?? Math.min(2, replicationFactor);
  const topic = s.topic ?? "keytos-siem.audit";
  const deadLetterTopic = s.deadLetterTopic ?? deadLetterTopicOf(topic);
  return [
    ...(min < 1 || min > replicationFactor
      ? [`minInsyncReplicas ${min} must be between 1 and replicationFactor (${replicationFactor})`]
      : []),
    ...(s.forwarderUsername !== undefined && s.forwarderUsername === s.senderUsername
      ? ["forwarderUsername must differ from senderUsername: the forwarder reads, the sender writes"]
      : []),
    ...(s.forwarderUsername !== undefined && deadLetterTopic.length > 249
      ? [
          `the dead-letter topic name ${deadLetterTopic.slice(0, 40)}... is over 249 characters: set deadLetterTopic`,
        ]
      : []),
    ...(s.deadLetterTopic !== undefined && s.deadLetterTopic === topic
      ? ["deadLetterTopic must differ from topic"]
      : []),
  ];
}

/** Settings with every default filled in. */
export function resolveKafka(s: Valid) {
  const replicationFactor = s.replicationFactor ?? 3;
  return {
    bootstrapServers: s.bootstrapServers,
    topic: s.topic ?? "keytos-siem.audit",
    partitions: s.partitions ?? 3,
    replicationFactor,
    retentionMs: s.retentionMs ?? 7 * 24 * 3_600_000,
    cleanupPolicy: s.cleanupPolicy ?? "delete",
    minInsyncReplicas: s.minInsyncReplicas ?? Math.min(2, replicationFactor),
    maxMessageBytes: s.maxMessageBytes ?? 1_048_588,
    senderUsername: s.senderUsername,
    clusterIdempotentWrite: s.clusterIdempotentWrite ?? false,
    forwarder:
      s.forwarderUsername === undefined
        ? undefined
        : {
            username: s.forwarderUsername,
            deadLetterTopic: s.deadLetterTopic ?? deadLetterTopicOf(s.topic ?? "keytos-siem.audit"),
            groupPrefix: FORWARDER_GROUP_PREFIX,
          },
  };
}
export type ResolvedKafkaSettings = ReturnType<typeof resolveKafka>;

/** Validates and resolves settings; throws a SettingsError listing every problem. */
export function resolveKafkaSettings(settings: KafkaSettings): ResolvedKafkaSettings {
  return resolveKafka(settingsOrThrow("Kafka destination", kafkaSettings, { settings }, checkKafka));
}

/** The topic's configuration entries, as Kafka names them. */
export function topicConfig(s: ResolvedKafkaSettings): Record<string, string> {
  return {
    "cleanup.policy": s.cleanupPolicy,
    "max.message.bytes": String(s.maxMessageBytes),
    "min.insync.replicas": String(s.minInsyncReplicas),
    "retention.ms": String(s.retentionMs),
  };
}

export interface AclSpec {
  resourceType: "Topic" | "Cluster" | "Group";
  resourceName: string;
  operation: "Write" | "Describe" | "IdempotentWrite" | "Read";
  principal: string;
  host: "*";
  permission: "Allow";
  patternType: "Literal" | "Prefixed";
}

/** One Allow grant to `principal` from any host. */
const grant =
  (principal: string) =>
  (
    operation: AclSpec["operation"],
    resourceType: AclSpec["resourceType"],
    resourceName: string,
    patternType: AclSpec["patternType"] = "Literal",
  ): AclSpec => ({
    resourceType,
    resourceName,
    operation,
    principal,
    host: "*",
    permission: "Allow",
    patternType,
  });

/** The sender's grants: Write and Describe on this topic only (and IdempotentWrite if asked). */
export function senderAcls(s: ResolvedKafkaSettings): AclSpec[] {
  const on = grant(`User:${s.senderUsername}`);
  return [
    on("Write", "Topic", s.topic),
    on("Describe", "Topic", s.topic),
    ...(s.clusterIdempotentWrite ? [on("IdempotentWrite", "Cluster", "kafka-cluster")] : []),
  ];
}

/**
 * The forwarder's grants, none without forwarderUsername: Read on the topic (fetch, offsets; Read
 * implies Describe), Read on its consumer groups (prefix keytos-siem-forward: join, commit), Write
 * on the dead-letter topic (and IdempotentWrite if asked, as for the sender). Nothing else.
 */
export function forwarderAcls(s: ResolvedKafkaSettings): AclSpec[] {
  if (!s.forwarder) return [];
  const on = grant(`User:${s.forwarder.username}`);
  return [
    on("Read", "Topic", s.topic),
    on("Read", "Group", s.forwarder.groupPrefix, "Prefixed"),
    on("Write", "Topic", s.forwarder.deadLetterTopic),
    ...(s.clusterIdempotentWrite ? [on("IdempotentWrite", "Cluster", "kafka-cluster")] : []),
  ];
}

/** The stack output `kafka`; `forwarder` only when the stack has one (forwarderUsername). */
export const kafkaOutputs = z.object({
  bootstrapServers: z.array(z.string()),
  topic: z.string(),
  saslMechanism: z.string(),
  principal: z.string(),
  forwarder: z
    .object({
      /** ACL principal of `keytos-siem forward`, e.g. User:siem-forwarder. */
      principal: z.string(),
      /** Its consumer groups start with this (keytos-siem-forward). */
      consumerGroupPrefix: z.string(),
      deadLetterTopic: z.string(),
    })
    .optional(),
});
export type KafkaOutputs = z.infer<typeof kafkaOutputs>;
