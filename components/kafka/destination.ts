/** Apache Kafka: the descriptor the registries loop over (no alerting: consumers decide). */
import type { Destination } from "../destination";
import { checkKafka, KAFKA_COMPONENT, kafkaOutputs, kafkaSettings } from "./contract";
import { kafkaPlan } from "./plan";

export const kafka = {
  key: "kafka" as const,
  title: "Apache Kafka",
  componentType: KAFKA_COMPONENT,
  settings: kafkaSettings,
  check: (s) => checkKafka(s),
  outputs: kafkaOutputs,
  deploy(s) {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const { KafkaDestination } = require("./component") as typeof import("./component");
    // The @pulumi/kafka provider comes from the stack's kafka:* config (admin listener, SASL admin).
    const k = new KafkaDestination("kafka", s);
    return {
      outputs: pulumi.output({
        bootstrapServers: k.bootstrapServers,
        topic: k.topic,
        saslMechanism: k.saslMechanism,
        principal: k.principal,
        ...(k.forwarder ? { forwarder: k.forwarder } : {}),
      }),
    };
  },
  plan: kafkaPlan,
} satisfies Destination<typeof kafkaSettings, typeof kafkaOutputs>;
