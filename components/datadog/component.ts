/**
 * Datadog destination: replaces the manual steps of the Keytos Datadog guide. An API key for the
 * sender (a Pulumi secret) and one log monitor per compiled rule. No facet or pipeline is needed
 * for the monitors: Datadog filters on attribute values (`@EventID:4888`) without facets
 * ("Log Facets": "it is not required to create facets to filter on attribute values").
 */
import * as datadog from "@pulumi/datadog";
import * as pulumi from "@pulumi/pulumi";
import { settingsOrThrow } from "../config/settings";
import type { CompiledAlert } from "../policy/compile";
import { DATADOG_COMPONENT, type DatadogSettings, datadogSettings } from "./contract";
import { monitorSpec } from "./monitor";
import { type DatadogSite, datadogApiUrl, datadogIntakeUrl } from "./site";

export interface DatadogDestinationArgs extends DatadogSettings {
  /** Customer name, used in names and tags. */
  customer: string;
  /** Compiled alerts (events and custom detections); those with a `datadog` part get a monitor. */
  rules: readonly CompiledAlert[];
}

export class DatadogDestination extends pulumi.ComponentResource {
  readonly site: DatadogSite;
  /** Logs intake v2 URL for the site (the EZCA portal's Datadog URL). */
  readonly intakeUrl: string;
  readonly apiUrl: string;
  /** The sender's API key: a Pulumi secret. */
  readonly apiKey: pulumi.Output<string> | undefined;
  readonly monitorIds: pulumi.Output<string[]>;

  constructor(name: string, args: DatadogDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): bad settings must fail before any resource is registered.
    const { customer, rules, ...settings } = args;
    const s = settingsOrThrow("Datadog destination", datadogSettings, { customer, settings });
    super(DATADOG_COMPONENT, name, {}, opts);
    const parent = { parent: this };
    if (s.apiKey ?? true) {
      const key = new datadog.ApiKey(
        `${name}-api-key`,
        { name: `keytos-siem-${customer}-sender` },
        { ...parent, additionalSecretOutputs: ["key"] },
      );
      this.apiKey = pulumi.secret(key.key);
    }
    const monitors = rules.flatMap((rule) => {
      const spec = monitorSpec(rule, customer);
      return spec ? [new datadog.Monitor(`${name}-${rule.slug}`, spec, parent).id] : [];
    });
    this.site = s.site;
    this.intakeUrl = datadogIntakeUrl(s.site);
    this.apiUrl = datadogApiUrl(s.site);
    this.monitorIds = pulumi.all(monitors);
    this.registerOutputs({
      site: this.site,
      intakeUrl: this.intakeUrl,
      apiUrl: this.apiUrl,
      apiKey: this.apiKey,
      monitorIds: this.monitorIds,
    });
  }
}
