/**
 * Splunk destination: through Splunk's REST API (management port), an index for the events, a
 * HEC token allowed to write only that index (indexer acknowledgement optional), and one scheduled
 * saved-search alert per alerted policy event. Splunk's HEC tokens restrict indexes, not
 * sourcetypes: each event carries its own sourcetype (EZCA_CAs, EZCA_Certificates,
 * EZMonitor_Alerts) and the token's default sourcetype is left unset.
 */
import * as pulumi from "@pulumi/pulumi";
import { PRODUCT_FACTS } from "../catalog/products";
import { settingsOrThrow } from "../config/settings";
import type { CompiledAlert } from "../policy/compile";
import { type SplunkAlert, splunkAlertOf, splunkSearch } from "./alerts";
import { SPLUNK_COMPONENT, type SplunkSettings, splunkSettings } from "./contract";
import { splunkObject } from "./providers";
import type { Form } from "./rest";

export interface SplunkDestinationArgs extends SplunkSettings {
  /** Customer name, used in names. */
  customer: string;
  /** Compiled alerts (events and custom detections); those with a `splunk` part get a saved search. */
  rules: readonly CompiledAlert[];
  /** The admin credential as an Authorization header value (`Bearer <token>`, `Basic <base64>`): a Pulumi secret. */
  authorization: pulumi.Input<string>;
  /** Registered by `plan` (DeployContext.planOnly): the providers' code is not serialized. */
  planOnly?: boolean;
}

/** HEC listens on 8088 of the same host unless hecUrl says otherwise. */
export function defaultHecUrl(managementUrl: string): string {
  const u = new URL(managementUrl);
  u.port = "8088";
  return u.origin;
}

/** What the saved search is about: the event's facts and response, or the detection's description. */
function savedSearchDescription(rule: CompiledAlert, customer: string): string {
  if (rule.kind === "detection")
    return `[keytos-siem ${customer}] Detection ${rule.name}: ${rule.description} (severity ${rule.severity}). Policy detection: ${rule.name}.`;
  const idLabel = `${PRODUCT_FACTS[rule.product].idLabel} ${rule.id}`;
  return `[keytos-siem ${customer}] ${rule.product} ${idLabel}: ${rule.name} (criticality ${rule.criticality}). ${rule.description}. Response: ${rule.response} Policy rule: ${rule.rule}.`;
}

/** The saved search's REST fields for one alert (what `plan` shows and the provider sends). */
export function savedSearchSettings(
  rule: CompiledAlert,
  alert: SplunkAlert,
  index: string,
  customer: string,
): Form {
  const actions = [...(alert.emails.length > 0 ? ["email"] : []), ...(alert.webhookUrl ? ["webhook"] : [])];
  return {
    search: splunkSearch(alert, index),
    description: savedSearchDescription(rule, customer),
    is_scheduled: "1",
    cron_schedule: alert.cronSchedule,
    "dispatch.earliest_time": alert.earliestTime,
    "dispatch.latest_time": alert.latestTime,
    alert_type: "number of events",
    alert_comparator: "greater than",
    alert_threshold: String(alert.threshold),
    "alert.track": "1",
    "alert.digest_mode": "1",
    "alert.severity": String(alert.severity),
    "alert.suppress": alert.suppressPeriod ? "1" : "0",
    ...(alert.suppressPeriod ? { "alert.suppress.period": alert.suppressPeriod } : {}),
    actions: actions.join(","),
    ...(alert.emails.length > 0 ? { "action.email.to": alert.emails.join(",") } : {}),
    ...(alert.webhookUrl ? { "action.webhook.param.url": alert.webhookUrl } : {}),
  };
}

export class SplunkDestination extends pulumi.ComponentResource {
  readonly managementUrl: string;
  readonly hecUrl: string;
  readonly index: string;
  readonly useAck: boolean;
  readonly app: string;
  readonly owner: string;
  /** The HEC token for the sender: a Pulumi secret. */
  readonly hecToken: pulumi.Output<string>;
  /** The saved searches' names, one per alerted event. */
  readonly savedSearches: pulumi.Output<string[]>;

  constructor(name: string, args: SplunkDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): bad settings must fail before any resource is registered.
    const { customer, rules, authorization, planOnly, ...settings } = args;
    const s = settingsOrThrow("Splunk destination", splunkSettings, { customer, settings });
    super(SPLUNK_COMPONENT, name, {}, opts);
    this.managementUrl = new URL(s.managementUrl).origin;
    this.hecUrl = s.hecUrl ? s.hecUrl.replace(/\/+$/, "") : defaultHecUrl(s.managementUrl);
    this.index = s.index ?? "keytos";
    this.useAck = s.useAck ?? false;
    this.app = s.app ?? "search";
    this.owner = s.owner ?? "nobody";
    const owner = this.owner;
    if (s.insecureSkipVerify) {
      pulumi.log.warn(
        `TLS certificate verification is DISABLED for ${this.managementUrl} (keytos-siem:splunk.insecureSkipVerify): the admin credential can be read by anyone on the path; trust the server's CA with NODE_EXTRA_CA_CERTS instead`,
        this,
      );
    }
    const base = {
      connection: { url: this.managementUrl, ...(s.insecureSkipVerify ? { insecureSkipVerify: true } : {}) },
      authorization,
    };
    const parent = { parent: this, planOnly };

    const index = splunkObject(
      "SplunkIndex",
      `${name}-index`,
      {
        ...base,
        name: this.index,
        settings: s.retentionDays ? { frozenTimePeriodInSecs: String(s.retentionDays * 86400) } : {},
      },
      parent,
    );
    const after = { ...parent, dependsOn: [index] };
    const token = splunkObject(
      "SplunkHecToken",
      `${name}-hec-token`,
      {
        ...base,
        name: s.hecTokenName ?? `keytos-siem-${customer}`,
        settings: {
          index: this.index,
          indexes: [this.index],
          useACK: this.useAck ? "1" : "0",
          description: `keytos-siem ${customer}: EZCA and EZMonitor events (sourcetypes EZCA_CAs, EZCA_Certificates, EZMonitor_Alerts)`,
        },
      },
      after,
    );
    const searches = rules.flatMap((rule) => {
      const alert = splunkAlertOf(rule);
      if (!alert) return [];
      const searchName = `keytos-siem-${customer}-${rule.slug}`;
      const settings = savedSearchSettings(rule, alert, this.index, customer);
      splunkObject(
        "SplunkSavedSearch",
        `${name}-${rule.slug}`,
        { ...base, owner, app: this.app, name: searchName, settings },
        after,
      );
      return [searchName];
    });
    this.hecToken = pulumi.secret(token.token.apply((t) => t ?? ""));
    this.savedSearches = pulumi.output(searches);
    this.registerOutputs({
      managementUrl: this.managementUrl,
      hecUrl: this.hecUrl,
      index: this.index,
      useAck: this.useAck,
      app: this.app,
      owner: this.owner,
      hecToken: this.hecToken,
      savedSearches: this.savedSearches,
    });
  }
}
