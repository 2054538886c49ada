/**
 * Test-side Kafka helpers: SASL clients for the test users, and provisioning a topic and the
 * sender's ACLs on the real broker exactly as the KafkaDestination component declares them.
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
  type ResolvedKafkaSettings,
  resolveKafkaSettings,
  senderAcls,
  topicConfig,
} from "../../components/kafka/contract";
import type { KafkaInfo } from "../services/kafka";

export const kafkaClient = (brokers: string[], user: { username: string; password: string }) =>
  new Kafka({ brokers, sasl: { mechanism: "plain", ...user }, logLevel: logLevel.NOTHING });

const OPERATION: Record<AclSpec["operation"], AclOperationTypes> = {
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};

/** Creates the topic with the component's config and grants the component's sender ACLs. */
export async function provisionLikeComponent(admin: Admin, settings: ResolvedKafkaSettings): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: settings.topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
        configEntries: Object.entries(topicConfig(settings)).map(([name, value]) => ({ name, value })),
      },
    ],
  });
  await admin.createAcls({
    acl: senderAcls(settings).map((a) => ({
      resourceType: a.resourceType === "Topic" ? AclResourceTypes.TOPIC : AclResourceTypes.CLUSTER,
      resourceName: a.resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: a.principal,
      host: a.host,
      operation: OPERATION[a.operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  });
}

/** The component's settings for a test topic on the test broker, granted to its sender user. */
export function testTopicSettings(
  kafka: KafkaInfo,
  topic: string,
  more: { partitions?: number; maxMessageBytes?: number } = {},
): ResolvedKafkaSettings {
  return resolveKafkaSettings({
    bootstrapServers: kafka.brokers,
    topic,
    partitions: more.partitions ?? 3,
    replicationFactor: 1,
    senderUsername: kafka.sender.username,
    ...(more.maxMessageBytes === undefined ? {} : { maxMessageBytes: more.maxMessageBytes }),
  });
}
