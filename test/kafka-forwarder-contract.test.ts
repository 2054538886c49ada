/** The Kafka contract's forwarder side: exactly its grants, its dead-letter topic, its rules. */
import { describe, expect, it } from "vitest";
import { checkKafka, forwarderAcls, resolveKafkaSettings, senderAcls } from "../components/kafka/contract";

const base = { bootstrapServers: ["k1:9093"], senderUsername: "ezca-sender" };

describe("Kafka contract: the forwarder", () => {
  it("grants Read on the topic and the group prefix, Write on the dead-letter topic, nothing else", () => {
    const s = resolveKafkaSettings({ ...base, topic: "audit", forwarderUsername: "siem-forwarder" });
    expect(s.forwarder).toEqual({
      username: "siem-forwarder",
      deadLetterTopic: "audit.deadletter",
      groupPrefix: "keytos-siem-forward",
    });
    const grants = forwarderAcls(s).map(
      (a) => `${a.operation} ${a.resourceType} ${a.resourceName} ${a.patternType}`,
    );
    expect(grants).toEqual([
      "Read Topic audit Literal",
      "Read Group keytos-siem-forward Prefixed",
      "Write Topic audit.deadletter Literal",
    ]);
    expect(new Set(forwarderAcls(s).map((a) => a.principal))).toEqual(new Set(["User:siem-forwarder"]));
    expect(senderAcls(s).every((a) => a.principal === "User:ezca-sender")).toBe(true);
  });

  it("no forwarder side without forwarderUsername; a dead-letter topic of its own name when set", () => {
    expect(forwarderAcls(resolveKafkaSettings(base))).toEqual([]);
    const s = resolveKafkaSettings({ ...base, forwarderUsername: "f", deadLetterTopic: "dead" });
    expect(s.forwarder?.deadLetterTopic).toBe("dead");
  });

  it("refuses the sender's user as the forwarder and a dead-letter topic that is the topic", () => {
    expect(checkKafka({ ...base, forwarderUsername: "ezca-sender" })).toEqual([
      "forwarderUsername must differ from senderUsername: the forwarder reads, the sender writes",
    ]);
    expect(checkKafka({ ...base, topic: "t", deadLetterTopic: "t" })).toEqual([
      "deadLetterTopic must differ from topic",
    ]);
  });
});
