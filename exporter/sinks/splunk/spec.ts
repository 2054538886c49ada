/**
 * The `splunk` destination for `send` and `smoke`: the HTTP Event Collector of Splunk, or of any
 * receiver speaking its protocol (CrowdStrike Falcon LogScale: `path: /api/v1/ingest/hec`,
 * `auth: Bearer`; Cribl: `path: /services/collector`). The target fields are the component's
 * (components/splunk/contract.ts); the HEC token comes from SPLUNK_HEC_TOKEN only.
 */
import { z } from "zod";
import { strict } from "../../../components/config/yaml-file";
import { type SplunkOutputs, splunkSettings } from "../../../components/splunk/contract";
import type { SinkSpec } from "../spec";

/** Where `send` posts unless `path` says otherwise, under hecUrl's own path. */
export const HEC_EVENT_PATH = "/services/collector/event";
export const HEC_ACK_PATH = "/services/collector/ack";
export const HEC_TOKEN_ENV = "SPLUNK_HEC_TOKEN";

export const splunkSinkConfigSchema = strict({
  /** HEC base URL, e.g. https://splunk.example.com:8088 (the stack output splunk.hecUrl). */
  hecUrl: splunkSettings.shape.hecUrl.unwrap(),
  /** Index every event is written to; without it, the token's default index (LogScale: the token's repository). */
  index: splunkSettings.shape.index,
  /** Endpoint path under hecUrl. Default /services/collector/event. */
  path: z
    .string({ error: "must be a path" })
    .regex(/^\/[^?#\s]*$/, "must be a path starting with /, e.g. /services/collector/event")
    .optional(),
  /** Authorization scheme: `Splunk <token>` (Splunk, Cribl; default) or `Bearer <token>` (LogScale). */
  auth: z.enum(["Splunk", "Bearer"], { error: "must be Splunk or Bearer" }).optional(),
  /**
   * Indexer acknowledgement (the token's useACK, Splunk Enterprise): a channel on every request,
   * and an event counts as delivered only once /services/collector/ack confirms it.
   */
  useAck: z.boolean({ error: "must be true or false" }).optional(),
  /** How long to wait for a batch's acknowledgement before sending it again. Default 25000. */
  ackTimeoutMs: z.int().min(100).max(600_000).optional(),
  /** How often pending acknowledgements are asked for, all in one request. Default 1000. */
  ackPollMs: z.int().min(10).max(60_000).optional(),
  /** Most events in one request. Default 1000. */
  maxEventsPerRequest: z.int().min(1).max(100_000).optional(),
  /** Most bytes in one request body. Default 1 MiB (Splunk before 6.5 refused more; later 800 MiB). */
  maxBytesPerRequest: z
    .int()
    .min(1024)
    .max(800 * 1024 * 1024)
    .optional(),
  /** Largest event; larger ones are dead-lettered at the door. Default: maxBytesPerRequest. */
  maxBytesPerEvent: z.int().min(256).optional(),
  /** Disables TLS certificate verification (test endpoints only): warned about on every start. */
  insecureSkipVerify: z.boolean().optional(),
});
export type SplunkSinkConfig = z.infer<typeof splunkSinkConfigSchema>;

export const splunkSpec = {
  key: "splunk",
  title: "Splunk HTTP Event Collector (also LogScale, Cribl)",
  config: splunkSinkConfigSchema,
  env: { hecUrl: "SPLUNK_HEC_URL", index: "SPLUNK_HEC_INDEX" },
  create: (config, o) => (require("./index") as typeof import("./index")).createSplunkSink(config, o),
  smoke: (o, secrets, ctx) =>
    (require("./smoke") as typeof import("./smoke")).smokeSplunk({
      outputs: o,
      config: { hecUrl: o.hecUrl, index: o.index, useAck: o.useAck },
      env: secrets.hecToken ? { ...ctx.env, [HEC_TOKEN_ENV]: secrets.hecToken } : ctx.env,
      rules: ctx.rules,
      ...(ctx.patienceMs !== undefined ? { patienceMs: ctx.patienceMs } : {}),
    }),
  help: {
    send: ["SPLUNK_HEC_URL, SPLUNK_HEC_TOKEN, SPLUNK_HEC_INDEX"],
    smoke: [
      "SPLUNK_TOKEN (REST bearer token) or SPLUNK_USERNAME/SPLUNK_PASSWORD: search the test event",
      "and run each saved search; without them: sent, not verified",
    ],
  },
} satisfies SinkSpec<typeof splunkSinkConfigSchema, SplunkOutputs>;
