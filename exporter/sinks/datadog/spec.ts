/** The `datadog` destination for `send` and `smoke`: Logs intake v2 of the organisation's site. */
import { z } from "zod";
import { strict } from "../../../components/config/yaml-file";
import { type DatadogOutputs, datadogSite } from "../../../components/datadog/contract";
import type { SinkSpec } from "../spec";

export const datadogSinkConfigSchema = strict({
  site: datadogSite,
  /** Intake URL override (tests, proxies); default per site. */
  endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /** Deprecated here: use DD_API_KEY. */
  apiKey: z.string().min(1).optional(),
  insecureSkipVerify: z.boolean().optional(),
  /**
   * Request bodies gzip-compressed (default: Datadog recommends it, about 5x fewer bytes on the
   * wire) or sent as is (`none`: no compression CPU, for a fast link to a local relay or proxy).
   */
  compression: z.enum(["gzip", "none"]).optional(),
});
export type DatadogSinkConfig = z.infer<typeof datadogSinkConfigSchema>;

export const datadogSpec = {
  key: "datadog",
  title: "Datadog Logs",
  config: datadogSinkConfigSchema,
  env: { site: "DD_SITE" },
  deprecated: { apiKey: "export DD_API_KEY instead (secrets stay out of files)" },
  create: (config, o) => (require("./index") as typeof import("./index")).createDatadogSink(config, o),
  smoke: (o, secrets, ctx) =>
    (require("./smoke") as typeof import("./smoke")).smokeDatadog({
      config: { site: o.site as DatadogSinkConfig["site"], endpoint: o.intakeUrl },
      env: secrets.apiKey ? { ...ctx.env, DD_API_KEY: secrets.apiKey } : ctx.env,
      rules: ctx.rules,
      monitorIds: o.monitorIds,
      apiUrl: o.apiUrl,
      ...(ctx.patienceMs !== undefined ? { patienceMs: ctx.patienceMs } : {}),
    }),
  help: {
    send: ["DD_SITE, DD_API_KEY"],
    smoke: ["DD_APP_KEY (search the test log, validate monitors); without it: key check only"],
  },
} satisfies SinkSpec<typeof datadogSinkConfigSchema, DatadogOutputs>;
