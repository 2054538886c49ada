/**
 * The Splunk destination's contract, defined once: the component's settings (also the stack
 * config `keytos-siem:splunk` and the base of the sender config) and the stack outputs that
 * `send` and `smoke` read back. Pure zod. Facts: ../shared/reference/sigma-and-splunk.md, part 2.
 */
import { z } from "zod";
import { flag, wholeNumber } from "../config/settings";
import { strict } from "../config/yaml-file";

export const SPLUNK_COMPONENT = "keytos-siem:splunk:SplunkDestination";

const INDEX = /^[a-z0-9][a-z0-9_-]{0,79}$/;

const httpsUrl = (what: string) =>
  z.url({ protocol: /^https?$/, error: `must be the http(s) URL of ${what}` });

export const splunkSettings = strict({
  /** REST management endpoint, e.g. https://splunk.example.com:8089 (provisioning and smoke). */
  managementUrl: httpsUrl("Splunk's management port, e.g. https://splunk.example.com:8089"),
  /** HTTP Event Collector base, e.g. https://splunk.example.com:8088 (default: managementUrl's host, port 8088). */
  hecUrl: httpsUrl("the HTTP Event Collector, e.g. https://splunk.example.com:8088").optional(),
  /** Index the events land in. Default `keytos`. */
  index: z
    .string({ error: "must be an index name" })
    .regex(INDEX, "must be 1-80 lower-case letters, digits, _ and - (starting with a letter or digit)")
    .optional(),
  /** App the saved searches live in. Default `search`. */
  app: z.string().min(1).optional(),
  /** Indexer acknowledgement on the HEC token (Splunk Enterprise only). Default false. */
  useAck: flag().optional(),
  /** User namespace of the saved searches (`servicesNS/<owner>/<app>`). Default `nobody` (shared in the app). */
  owner: z
    .string({ error: "must be a Splunk user name" })
    .regex(/^[A-Za-z0-9_.@-]{1,100}$/, "must be a Splunk user name (letters, digits, _ . @ -) or nobody")
    .optional(),
  /** Name of the HEC token. Default `keytos-siem-<customer>`. */
  hecTokenName: z
    .string({ error: "must be a token name" })
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
      "must be 1-100 letters, digits, _ . - (starting with a letter or digit)",
    )
    .optional(),
  /** Days the index keeps events (Splunk's frozenTimePeriodInSecs). Default: Splunk's (about 6 years). */
  retentionDays: wholeNumber("must be a whole number of days from 1 to 36500")
    .pipe(z.int().min(1, "must be at least 1 day").max(36500, "must be at most 36500 days"))
    .optional(),
  /**
   * Skip TLS certificate verification on the management port. Unsafe (anyone on the path can read
   * the admin credential): lab servers only; `pulumi up` and `plan` say so. Default false.
   */
  insecureSkipVerify: flag().optional(),
});
export type SplunkSettings = z.input<typeof splunkSettings>;

/** The stack output `splunk` (the HEC token is the separate secret output `splunkHecToken`). */
export const splunkOutputs = z.object({
  managementUrl: z.string(),
  /** HEC base URL; the sender posts to `<hecUrl>/services/collector/event`. */
  hecUrl: z.string(),
  index: z.string(),
  /** Whether the token requires indexer acknowledgement (channel header + /services/collector/ack). */
  useAck: z.boolean(),
  app: z.string(),
  /** The saved searches' owner namespace (`servicesNS/<owner>/<app>`). */
  owner: z.string(),
  /** The policy's saved-search alerts, by name (smoke runs each one's SPL). */
  savedSearches: z.array(z.string()),
});
export type SplunkOutputs = z.infer<typeof splunkOutputs>;
