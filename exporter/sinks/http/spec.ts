/** The generic `http` destination (NDJSON POST with a bearer token): settings, environment, help. */
import { z } from "zod";
import { strict } from "../../../components/config/yaml-file";
import type { SinkSpec } from "../spec";

export const httpSinkConfigSchema = strict({
  /** Endpoint receiving POSTs of NDJSON. https:// unless it is a loopback test endpoint. */
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  /** Bearer token: deprecated here, use KEYTOS_HTTP_TOKEN. */
  token: z.string().min(1).optional(),
  maxEventsPerRequest: z.int().min(1).max(100_000).optional(),
  maxBytesPerRequest: z
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .optional(),
  maxBytesPerEvent: z.int().min(256).optional(),
  insecureSkipVerify: z.boolean().optional(),
});
export type HttpSinkConfig = z.infer<typeof httpSinkConfigSchema>;

export const httpSpec = {
  key: "http",
  title: "any HTTP collector (NDJSON)",
  config: httpSinkConfigSchema,
  env: { url: "KEYTOS_HTTP_URL" },
  deprecated: { token: "export KEYTOS_HTTP_TOKEN instead (secrets stay out of files)" },
  create: (config, o) => new (require("./index") as typeof import("./index")).HttpSink(config, o),
  help: { send: ["KEYTOS_HTTP_URL, KEYTOS_HTTP_TOKEN"] },
} satisfies SinkSpec<typeof httpSinkConfigSchema>;
