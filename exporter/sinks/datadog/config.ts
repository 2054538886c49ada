/** `datadog` section of the send config (no transport code: loading it costs nothing). */
import { z } from "zod";
import { strict } from "../../../components/config/yaml-file";
import { DATADOG_SITES, type DatadogSite } from "../../../components/datadog/site";

export const datadogSinkConfigSchema = strict({
  site: z.enum(DATADOG_SITES),
  /** Intake URL override (tests, proxies); default per site. */
  endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /** Prefer DD_API_KEY. */
  apiKey: z.string().min(1).optional(),
  insecureSkipVerify: z.boolean().optional(),
});
export type DatadogSinkConfig = z.infer<typeof datadogSinkConfigSchema>;

export const datadogFromEnv = (env: NodeJS.ProcessEnv): Partial<DatadogSinkConfig> =>
  env.DD_SITE ? { site: env.DD_SITE as DatadogSite } : {};
