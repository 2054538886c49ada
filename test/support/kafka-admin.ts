/**
 * Test-side Kafka helpers: SASL clients for the test users, and provisioning a topic and the
 * sender's (and, with a forwarder, the forwarder's) ACLs and dead-letter topic on the real broker
 * exactly as the KafkaDestination component declares them.
 */
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Admin,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from "kafkajs";
import {
  type AclSpec,
  forwarderAcls,
  type ResolvedKafkaSettings,
  resolveKafkaSettings,
  senderAcls,
  topicConfig,
} from "../../components/kafka/contract";
import type { KafkaInfo, SaslUser } from "../services/kafka";

export const kafkaClient = (brokers: string[], user: { username: string; password: string }) =>
  new Kafka({ brokers, sasl: { mechanism: "plain", ...user }, logLevel: logLevel.NOTHING });

/**
 * The forwarder's principal on the test broker: the user with no grants of its own, so that what
 * it can do is exactly what the component's forwarder ACLs give it.
 */
export const forwarderUser = (kafka: KafkaInfo): SaslUser => kafka.outsider;

const OPERATION: Record<AclSpec["operation"], AclOperationTypes> = {
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
  Read: AclOperationTypes.READ,
};
const RESOURCE: Record<AclSpec["resourceType"], AclResourceTypes> = {
  Topic: AclResourceTypes.TOPIC,
  Cluster: AclResourceTypes.CLUSTER,
  Group: AclResourceTypes.GROUP,
};
const PATTERN: Record<AclSpec["patternType"], ResourcePatternTypes> = {
  Literal: ResourcePatternTypes.LITERAL,
  Prefixed: ResourcePatternTypes.PREFIXED,
};

/** The component's ACLs (sender's and forwarder's) as kafkajs names them. */
export const aclsOf = (settings: ResolvedKafkaSettings) =>
  [...senderAcls(settings), ...forwarderAcls(settings)].map((a) => ({
    resourceType: RESOURCE[a.resourceType],
    resourceName: a.resourceName,
    resourcePatternType: PATTERN[a.patternType],
    principal: a.principal,
    host: a.host,
    operation: OPERATION[a.operation],
    permissionType: AclPermissionTypes.ALLOW,
  }));

/** Creates the topic(s) with the component's config and grants the component's ACLs. */
export async function provisionLikeComponent(admin: Admin, settings: ResolvedKafkaSettings): Promise<void> {
  const topicOf = (topic: string) => ({
    topic,
    numPartitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    configEntries: Object.entries(topicConfig(settings)).map(([name, value]) => ({ name, value })),
  });
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      topicOf(settings.topic),
      ...(settings.forwarder ? [topicOf(settings.forwarder.deadLetterTopic)] : []),
    ],
  });
  await admin.createAcls({ acl: aclsOf(settings) });
}

/**
 * Removes what provisionLikeComponent made: the ACLs (the forwarder's group grant is a prefix
 * shared by every test topic of the broker) and the topics.
 */
export async function unprovision(admin: Admin, settings: ResolvedKafkaSettings): Promise<void> {
  await admin.deleteAcls({ filters: aclsOf(settings) });
  await admin.deleteTopics({
    topics: [settings.topic, ...(settings.forwarder ? [settings.forwarder.deadLetterTopic] : [])],
  });
}

/** The component's settings for a test topic on the test broker, granted to its sender user. */
export function testTopicSettings(
  kafka: KafkaInfo,
  topic: string,
  more: { partitions?: number; maxMessageBytes?: number; forwarder?: boolean } = {},
): ResolvedKafkaSettings {
  return resolveKafkaSettings({
    bootstrapServers: kafka.brokers,
    topic,
    partitions: more.partitions ?? 3,
    replicationFactor: 1,
    senderUsername: kafka.sender.username,
    ...(more.maxMessageBytes === undefined ? {} : { maxMessageBytes: more.maxMessageBytes }),
    ...(more.forwarder ? { forwarderUsername: forwarderUser(kafka).username } : {}),
  });
}
