/**
 * Kafka destination: the topic EZCA / EZMonitor write to and the ACLs that let the sender's
 * principal write to it and nothing else (the guide's manual steps); with forwarderUsername, the
 * forwarder's side too: its dead-letter topic and its own principal's grants (read the topic and
 * its consumer groups, write the dead-letter topic). Uses the Pulumi Kafka provider, configured
 * for the cluster (kafka:bootstrapServers, SASL admin credentials).
 */
import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import {
  type AclSpec,
  forwarderAcls,
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
  /** The forwarder's side, when forwarderUsername is set. */
  readonly forwarder:
    | { principal: string; consumerGroupPrefix: string; deadLetterTopic: pulumi.Output<string> }
    | undefined;

  constructor(name: string, args: KafkaDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveKafkaSettings(args); // before super(): bad settings register nothing
    super(KAFKA_COMPONENT, name, {}, opts);
    const topicArgs = {
      partitions: s.partitions,
      replicationFactor: s.replicationFactor,
      config: topicConfig(s),
    };
    const topic = new kafka.Topic(`${name}-topic`, { name: s.topic, ...topicArgs }, { parent: this });
    const deadLetterTopic =
      s.forwarder &&
      new kafka.Topic(
        `${name}-deadletter-topic`,
        { name: s.forwarder.deadLetterTopic, ...topicArgs },
        { parent: this },
      );
    // Topic ACLs name the topic resource's output, so each waits for its topic.
    const topicNamed = (n: string) =>
      n === s.topic ? topic.name : n === s.forwarder?.deadLetterTopic ? deadLetterTopic?.name : undefined;
    const acl = (resourceName: string, a: AclSpec) =>
      new kafka.Acl(
        resourceName,
        {
          aclResourceType: a.resourceType,
          aclResourceName: (a.resourceType === "Topic" && topicNamed(a.resourceName)) || a.resourceName,
          aclOperation: a.operation,
          aclPrincipal: a.principal,
          aclHost: a.host,
          aclPermissionType: a.permission,
          resourcePatternTypeFilter: a.patternType,
        },
        { parent: this },
      );
    const nameOf = (a: AclSpec) => `${a.operation.toLowerCase()}-${a.resourceType.toLowerCase()}`;
    for (const a of senderAcls(s)) acl(`${name}-${nameOf(a)}`, a);
    for (const a of forwarderAcls(s)) acl(`${name}-forwarder-${nameOf(a)}`, a);
    this.bootstrapServers = s.bootstrapServers;
    this.topic = topic.name;
    this.principal = `User:${s.senderUsername}`;
    this.forwarder =
      s.forwarder && deadLetterTopic
        ? {
            principal: `User:${s.forwarder.username}`,
            consumerGroupPrefix: s.forwarder.groupPrefix,
            deadLetterTopic: deadLetterTopic.name,
          }
        : undefined;
    this.registerOutputs({
      bootstrapServers: this.bootstrapServers,
      topic: this.topic,
      saslMechanism: this.saslMechanism,
      principal: this.principal,
      ...(this.forwarder ? { forwarder: this.forwarder } : {}),
    });
  }
}
