/**
 * Kafka destination settings, validated up front, and the pure builders the component and the
 * tests share: the topic's config map and the sender's ACLs (exactly Write and Describe on the
 * topic, plus IdempotentWrite on the cluster only for clusters older than Kafka 3.0).
 */

export interface KafkaSettings {
  /** host:port list of the cluster's SASL listener. */
  bootstrapServers: string[];
  /** Topic EZCA / EZMonitor write to. Default `keytos-siem.audit`. */
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  /** How long events are kept. Default 7 days. */
  retentionMs?: number;
  cleanupPolicy?: "delete" | "compact" | "compact,delete";
  /** Default min(2, replicationFactor). */
  minInsyncReplicas?: number;
  /** Largest record batch the topic accepts. Default 1048588 (Kafka's default). */
  maxMessageBytes?: number;
  /** SASL/PLAIN username of the sender; the ACL principal is `User:<name>`. */
  senderUsername: string;
  /** Grant IdempotentWrite on the cluster (only needed before Kafka 3.0). Default false. */
  clusterIdempotentWrite?: boolean;
}

export type ResolvedKafkaSettings = Required<Omit<KafkaSettings, "clusterIdempotentWrite">> & {
  clusterIdempotentWrite: boolean;
};

export class KafkaSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Kafka destination settings:\n  ${problems.join("\n  ")}`);
    this.name = "KafkaSettingsError";
  }
}

export function resolveKafkaSettings(s: KafkaSettings): ResolvedKafkaSettings {
  const problems: string[] = [];
  const topic = s.topic ?? "keytos-siem.audit";
  const partitions = s.partitions ?? 3;
  const replicationFactor = s.replicationFactor ?? 3;
  const minInsyncReplicas = s.minInsyncReplicas ?? Math.min(2, replicationFactor);
  if (
    s.bootstrapServers.length === 0 ||
    !s.bootstrapServers.every((b) => /^[A-Za-z0-9.[\]:-]+:\d{1,5}$/.test(b))
  ) {
    problems.push(
      `bootstrapServers ${JSON.stringify(s.bootstrapServers)} must be host:port entries, e.g. ["kafka-1.example.com:9096"]`,
    );
  }
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === "." || topic === "..") {
    problems.push(`topic "${topic}" must be 1-249 characters of letters, digits, . _ -`);
  }
  if (!Number.isInteger(partitions) || partitions < 1)
    problems.push(`partitions ${partitions} must be a whole number >= 1`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    problems.push(`replicationFactor ${replicationFactor} must be a whole number >= 1`);
  }
  if (
    !Number.isInteger(minInsyncReplicas) ||
    minInsyncReplicas < 1 ||
    minInsyncReplicas > replicationFactor
  ) {
    problems.push(
      `minInsyncReplicas ${minInsyncReplicas} must be between 1 and replicationFactor (${replicationFactor})`,
    );
  }
  if (!/^[A-Za-z0-9._@-]{1,255}$/.test(s.senderUsername)) {
    problems.push(
      `senderUsername "${s.senderUsername}" must be the SASL/PLAIN user name (letters, digits, . _ @ -)`,
    );
  }
  if (problems.length > 0) throw new KafkaSettingsError(problems);
  return {
    bootstrapServers: s.bootstrapServers,
    topic,
    partitions,
    replicationFactor,
    retentionMs: s.retentionMs ?? 7 * 24 * 3_600_000,
    cleanupPolicy: s.cleanupPolicy ?? "delete",
    minInsyncReplicas,
    maxMessageBytes: s.maxMessageBytes ?? 1_048_588,
    senderUsername: s.senderUsername,
    clusterIdempotentWrite: s.clusterIdempotentWrite ?? false,
  };
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
  resourceType: "Topic" | "Cluster";
  resourceName: string;
  operation: "Write" | "Describe" | "IdempotentWrite";
  principal: string;
  host: "*";
  permission: "Allow";
  patternType: "Literal";
}

/** The sender's grants: Write and Describe on this topic only (and IdempotentWrite if asked). */
export function senderAcls(s: ResolvedKafkaSettings): AclSpec[] {
  const principal = `User:${s.senderUsername}`;
  const on = (
    operation: AclSpec["operation"],
    resourceType: AclSpec["resourceType"],
    resourceName: string,
  ): AclSpec => ({
    resourceType,
    resourceName,
    operation,
    principal,
    host: "*",
    permission: "Allow",
    patternType: "Literal",
  });
  return [
    on("Write", "Topic", s.topic),
    on("Describe", "Topic", s.topic),
    ...(s.clusterIdempotentWrite ? [on("IdempotentWrite", "Cluster", "kafka-cluster")] : []),
  ];
}
