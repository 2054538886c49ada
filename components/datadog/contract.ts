/**
 * The Datadog destination's contract, defined once: the site (shared by the component, the stack
 * config and the sender), the component's settings and the stack outputs. Pure zod.
 */
import { z } from "zod";
import { flag } from "../config/settings";
import { strict } from "../config/yaml-file";
import { DATADOG_SITES } from "./site";

export const DATADOG_COMPONENT = "keytos-siem:datadog:DatadogDestination";

/** The organisation's site: keys, intake and API all belong to one. */
export const datadogSite = z
  .string({ error: "must be a Datadog site" })
  .refine(
    (s): s is (typeof DATADOG_SITES)[number] => (DATADOG_SITES as readonly string[]).includes(s),
    `is not a Datadog site; use one of ${DATADOG_SITES.join(", ")}`,
  );

export const datadogSettings = strict({
  /** Datadog site of the organisation (the provider is pointed at the same site). */
  site: datadogSite,
  /** Create an API key for the sender (default true). */
  apiKey: flag().optional(),
});
export type DatadogSettings = z.input<typeof datadogSettings>;

/** The stack output `datadog` (the API key is the separate secret output `datadogApiKey`). */
export const datadogOutputs = z.object({
  site: z.string(),
  /** Logs intake v2 URL for the site (the EZCA portal's Datadog URL). */
  intakeUrl: z.string(),
  apiUrl: z.string(),
  monitorIds: z.array(z.string()),
});
export type DatadogOutputs = z.infer<typeof datadogOutputs>;
