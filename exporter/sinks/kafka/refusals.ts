/**
 * What the `kafka` sink says when the cluster refuses the sender, worded once so both engines
 * (kafkajs, librdkafka) stop with the same message; `said` is the client's own words for it.
 */
import type { SendOutcome } from "../../pipeline/sink";
import type { KafkaTarget as Target } from "./settings";

export const refusal = {
  authentication: (username: string, said: string): SendOutcome => ({
    kind: "stop",
    reason: `SASL/PLAIN authentication failed for user "${username}": check the username and password (${said})`,
  }),
  unknownTopic: (t: Target, said: string): SendOutcome => ({
    kind: "stop",
    reason: `topic "${t.topic}" does not exist on the cluster (create it with the KafkaDestination component) (${said})`,
  }),
  topicAuthorization: (t: Target, username: string, said: string): SendOutcome => ({
    kind: "stop",
    reason: `User:${username} is not authorized to write to topic "${t.topic}": grant Write and Describe on it (${said})`,
  }),
  clusterAuthorization: (t: Target, username: string, said: string): SendOutcome => ({
    kind: "stop",
    reason: `User:${username} is not authorized to write to topic "${t.topic}" (cluster authorization failed for the idempotent producer): grant Write and Describe on the topic, or IdempotentWrite on the cluster before Kafka 3.0 (${said})`,
  }),
  unreachable: (t: Target, said: string): SendOutcome => ({
    kind: "retryable",
    reason: `cannot reach the brokers ${t.bootstrapServers.join(",")}: check bootstrapServers, the network and TLS (${said})`,
  }),
};
