/** `kafka` section of the send config (no client code: loading it costs nothing). */
import { z } from "zod";
import { strict } from "../../../components/config/yaml-file";

export const kafkaSinkConfigSchema = strict({
  brokers: z.array(z.string().regex(/^[A-Za-z0-9.[\]:-]+:\d{1,5}$/, { error: "must be host:port" })).min(1),
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, { error: "must be a Kafka topic name" }),
  /** Prefer KEYTOS_KAFKA_USERNAME / KEYTOS_KAFKA_PASSWORD. */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** SASL over a plaintext connection. Off by default: credentials and events travel unencrypted. */
  allowPlaintext: z.boolean().optional(),
  /** Largest record batch the topic accepts (max.message.bytes). Default 1048588. */
  maxMessageBytes: z.int().min(1024).optional(),
});
export type KafkaSinkConfig = z.infer<typeof kafkaSinkConfigSchema>;

export const kafkaFromEnv = (env: NodeJS.ProcessEnv): Partial<KafkaSinkConfig> => ({
  ...(env.KEYTOS_KAFKA_BROKERS ? { brokers: env.KEYTOS_KAFKA_BROKERS.split(",") } : {}),
  ...(env.KEYTOS_KAFKA_TOPIC ? { topic: env.KEYTOS_KAFKA_TOPIC } : {}),
});
