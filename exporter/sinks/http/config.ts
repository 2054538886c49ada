/** `http` section of the send config (no transport code: loading it costs nothing). */
import { z } from "zod";
import { strict } from "../../../components/config/yaml-file";

export const httpSinkConfigSchema = strict({
  /** Endpoint receiving POSTs of NDJSON. https:// unless it is a loopback test endpoint. */
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  /** Bearer token; prefer the KEYTOS_HTTP_TOKEN environment variable. */
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
