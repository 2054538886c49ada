/**
 * Datadog destination: replaces the manual steps of the Keytos Datadog guide. An API key for the
 * sender (a Pulumi secret) and one log monitor per compiled rule. No facet or pipeline is needed
 * for the monitors: Datadog filters on attribute values (`@EventID:4888`) without facets
 * ("Log Facets": "it is not required to create facets to filter on attribute values").
 */
import * as datadog from "@pulumi/datadog";
import * as pulumi from "@pulumi/pulumi";
import type { CompiledRule } from "../policy/compile";
import { monitorSpec } from "./monitor";
import { DATADOG_SITES, type DatadogSite, datadogApiUrl, datadogIntakeUrl } from "./site";

export interface DatadogDestinationArgs {
  /** Customer name, used in names and tags. */
  customer: string;
  /** Datadog site of the organisation (the provider must point at the same site). */
  site: DatadogSite;
  /** Compiled alert rules; those with a `datadog` part get a monitor. */
  rules: readonly CompiledRule[];
  /** Create an API key for the sender (default true). */
  apiKey?: boolean;
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
    if (!(DATADOG_SITES as readonly string[]).includes(args.site)) {
      throw new Error(
        `Datadog site "${args.site}" is not a Datadog site; use one of ${DATADOG_SITES.join(", ")}`,
      );
    }
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(args.customer)) {
      throw new Error(`customer "${args.customer}" must be 1-40 lower-case letters, digits and dashes`);
    }
    super("keytos-siem:datadog:DatadogDestination", name, {}, opts);
    const parent = { parent: this };
    if (args.apiKey ?? true) {
      const key = new datadog.ApiKey(
        `${name}-api-key`,
        { name: `keytos-siem-${args.customer}-sender` },
        { ...parent, additionalSecretOutputs: ["key"] },
      );
      this.apiKey = pulumi.secret(key.key);
    }
    const monitors = args.rules.flatMap((rule) => {
      const spec = monitorSpec(rule, args.customer);
      return spec ? [new datadog.Monitor(`${name}-${rule.slug}`, spec, parent).id] : [];
    });
    this.site = args.site;
    this.intakeUrl = datadogIntakeUrl(args.site);
    this.apiUrl = datadogApiUrl(args.site);
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
