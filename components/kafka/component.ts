/**
 * Kafka destination: the topic EZCA / EZMonitor write to and the ACLs that let the sender's
 * principal write to it and nothing else (the guide's manual steps). Uses the Pulumi Kafka
 * provider, configured for the cluster (kafka:bootstrapServers, SASL admin credentials).
 */
import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import {
  KAFKA_COMPONENT,
  type KafkaSettings,
  resolveKafkaSettings,
  senderAcls,
  topicConfig,
} from "./contract";

export type KafkaDestinationArgs = KafkaSettings;

export class KafkaDestination extends pulumi.ComponentResource {
  readonly bootstrapServers: string[];
  readonly topic: pulumi.Output<string>;
  readonly saslMechanism = "PLAIN";
  /** ACL principal of the sender, e.g. User:ezca-sender. */
  readonly principal: string;

  constructor(name: string, args: KafkaDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveKafkaSettings(args); // before super(): bad settings register nothing
    super(KAFKA_COMPONENT, name, {}, opts);
    const topic = new kafka.Topic(
      `${name}-topic`,
      {
        name: s.topic,
        partitions: s.partitions,
        replicationFactor: s.replicationFactor,
        config: topicConfig(s),
      },
      { parent: this },
    );
    for (const acl of senderAcls(s)) {
      new kafka.Acl(
        `${name}-${acl.operation.toLowerCase()}-${acl.resourceType.toLowerCase()}`,
        {
          aclResourceType: acl.resourceType,
          aclResourceName: acl.resourceType === "Topic" ? topic.name : acl.resourceName,
          aclOperation: acl.operation,
          aclPrincipal: acl.principal,
          aclHost: acl.host,
          aclPermissionType: acl.permission,
          resourcePatternTypeFilter: acl.patternType,
        },
        { parent: this },
      );
    }
    this.bootstrapServers = s.bootstrapServers;
    this.topic = topic.name;
    this.principal = `User:${s.senderUsername}`;
    this.registerOutputs({
      bootstrapServers: this.bootstrapServers,
      topic: this.topic,
      saslMechanism: this.saslMechanism,
      principal: this.principal,
    });
  }
}
