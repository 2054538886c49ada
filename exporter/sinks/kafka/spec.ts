/** The `kafka` destination for `send` and `smoke`; the target is the component's (components/kafka/contract.ts). */
import { z } from "zod";
import { strict } from "../../../components/config/yaml-file";
import { type KafkaOutputs, kafkaTarget, maxMessageBytes } from "../../../components/kafka/contract";
import type { SinkSpec } from "../spec";

/** The engines behind the `kafka` sink: kafkajs (always installed) and librdkafka (optional). */
export const KAFKA_CLIENTS = ["kafkajs", "librdkafka"] as const;
export const DEFAULT_KAFKA_CLIENT: (typeof KAFKA_CLIENTS)[number] = "kafkajs";

export const kafkaSinkConfigSchema = strict({
  ...kafkaTarget,
  /** SASL/PLAIN user; KEYTOS_KAFKA_USERNAME wins. */
  username: z.string().min(1).optional(),
  /** Deprecated here: use KEYTOS_KAFKA_PASSWORD. */
  password: z.string().min(1).optional(),
  /** SASL over a plaintext connection. Off by default: credentials and events travel unencrypted. */
  allowPlaintext: z.boolean().optional(),
  /** Largest record batch the topic accepts (max.message.bytes). Default 1048588. */
  maxMessageBytes: maxMessageBytes.optional(),
  /** The client library: kafkajs (default) or librdkafka (@confluentinc/kafka-javascript, optional). */
  client: z.enum(KAFKA_CLIENTS, { error: `must be one of ${KAFKA_CLIENTS.join(", ")}` }).optional(),
});
export type KafkaSinkConfig = z.infer<typeof kafkaSinkConfigSchema>;

export const kafkaSpec = {
  key: "kafka",
  title: "Apache Kafka",
  config: kafkaSinkConfigSchema,
  env: {
    bootstrapServers: "KEYTOS_KAFKA_BROKERS",
    topic: "KEYTOS_KAFKA_TOPIC",
    client: "KEYTOS_KAFKA_CLIENT",
  },
  aliases: { brokers: "bootstrapServers" },
  deprecated: { password: "export KEYTOS_KAFKA_PASSWORD instead (secrets stay out of files)" },
  create: (config, o) => (require("./index") as typeof import("./index")).createKafkaSink(config, o),
  smoke: (o, _secrets, ctx) =>
    (require("./smoke") as typeof import("./smoke")).smokeKafka({
      config: {
        bootstrapServers: o.bootstrapServers,
        topic: o.topic,
        ...(ctx.env.KEYTOS_KAFKA_ALLOW_PLAINTEXT === "true" ? { allowPlaintext: true } : {}),
      },
      env: ctx.env,
    }),
  help: {
    send: [
      "KEYTOS_KAFKA_BROKERS, KEYTOS_KAFKA_TOPIC, KEYTOS_KAFKA_USERNAME, KEYTOS_KAFKA_PASSWORD,",
      "KEYTOS_KAFKA_CLIENT (kafkajs | librdkafka)",
    ],
    smoke: [
      "KEYTOS_KAFKA_USERNAME/_PASSWORD (sender), KEYTOS_KAFKA_SMOKE_USERNAME/_PASSWORD (reader),",
      "KEYTOS_KAFKA_ALLOW_PLAINTEXT=true for SASL without TLS",
    ],
  },
} satisfies SinkSpec<typeof kafkaSinkConfigSchema, KafkaOutputs>;
