/**
 * The policy's alerts as Splunk scheduled saved searches. The selection is the Sigma shape
 * (../shared/reference/sigma-and-splunk.md, `sigma convert -t splunk`), the event's source,
 * sourcetype and id field, so EZCA 19 never matches EZMonitor 19:
 *   EZCA       source="EZCA" sourcetype="EZCA_CAs" EventID=19
 *   EZMonitor  source="EZMonitor" sourcetype="EZMonitor_Alerts" VulnerabilityID=19
 * The component prefixes the stack's index (`index="keytos" ...`). The policy's window is both
 * the schedule and the dispatch window, snapped to the minute so consecutive runs tile time.
 */
import { z } from "zod";
import { type Envelope, envelopeKey } from "../catalog/envelope";
import { type CatalogEvent, eventKey, sourcetypeOf } from "../catalog/events";
import { PRODUCT_FACTS } from "../catalog/products";
import { sampleCatalog } from "../catalog/samples";
import { strict } from "../config/yaml-file";
import type { AlertCompiler } from "../policy/alerts";
import type { CompiledAlert } from "../policy/compile";
import { formatDuration } from "../policy/duration";
import { duration, type Severity } from "../policy/schema";
import { splunkDetection } from "./detection";
import { type IndexedEvent, parseSpl, runSearch, SplError } from "./spl";

/** Splunk alert severities: 1 debug, 2 info, 3 low, 4 medium, 5 high, 6 critical. */
export type SplunkSeverity = 1 | 2 | 3 | 4 | 5 | 6;

export function splunkSeverity(severity: Severity): SplunkSeverity {
  return ({ high: 5, medium: 4, low: 3, informational: 2 } as const)[severity];
}

const notify = strict({
  /** Addresses the alert e-mails (Splunk's email action; the search head needs a mail server). */
  emails: z.array(z.email({ error: "must be an email address" })).optional(),
  /** An HTTPS endpoint Splunk's webhook action posts the alert to (one per saved search). */
  webhookUrl: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).optional(),
  /** Mute the alert for this long after it fires (default: none, or the window when runs overlap). */
  suppressFor: duration.optional(),
});

export interface SplunkAlert {
  /** The event selection, without the index. */
  search: string;
  cronSchedule: string;
  /** Dispatch window: `-<window>@m` to `@m`. */
  earliestTime: string;
  latestTime: string;
  /** Alert when the number of events is greater than this. */
  threshold: number;
  severity: SplunkSeverity;
  /** Splunk's alert.suppress.period, e.g. "1h"; absent: no suppression. */
  suppressPeriod?: string;
  emails: string[];
  webhookUrl?: string;
}

/** This destination's alert of a compiled rule, if the rule has one. */
export const splunkAlertOf = (rule: CompiledAlert) => rule.destinations.splunk as SplunkAlert | undefined;

/** The SPL that selects one catalog event (quoted text, a bare number for the id). */
export function splunkSelection(event: Pick<CatalogEvent, "product" | "id" | "category">): string {
  const { product, id } = event;
  return `source="${product}" sourcetype="${sourcetypeOf(event)}" ${PRODUCT_FACTS[product].idField}=${id}`;
}

/** The saved search's full SPL on an index. */
export const splunkSearch = (alert: Pick<SplunkAlert, "search">, index: string) =>
  `index="${index}" ${alert.search}`;

// Periods cron can repeat evenly (minutes dividing an hour, hours dividing a day), in minutes.
const CRON_PERIODS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440];

/**
 * The schedule for a window: every window when cron can repeat it evenly; otherwise (e.g. 45m,
 * 90m) every largest period dividing it, each run still looking back the whole window.
 */
export function splunkSchedule(windowSeconds: number): {
  cron: string;
  periodMinutes: number;
  overlaps: boolean;
} {
  const minutes = windowSeconds / 60;
  const period = [...CRON_PERIODS].reverse().find((p) => minutes % p === 0) ?? 1;
  const cron =
    period < 60
      ? `*/${period} * * * *`
      : period === 60
        ? "0 * * * *"
        : period < 1440
          ? `0 */${period / 60} * * *`
          : "0 0 * * *";
  return { cron, periodMinutes: period, overlaps: period < minutes };
}

export const splunkAlerts: AlertCompiler<SplunkAlert, typeof notify> = {
  key: "splunk",
  notify,
  compile: (rule, n) => {
    const schedule = splunkSchedule(rule.windowSeconds);
    // Overlapping runs would see the same events again: mute for one window unless the policy says otherwise.
    const suppress = n.suppressFor ?? (schedule.overlaps ? rule.windowSeconds : undefined);
    return {
      search: rule.kind === "event" ? splunkSelection(rule) : (rule.queries.splunk as string),
      cronSchedule: schedule.cron,
      earliestTime: `-${formatDuration(rule.windowSeconds)}@m`,
      latestTime: "@m",
      threshold: rule.threshold,
      severity: splunkSeverity(rule.severity),
      ...(suppress ? { suppressPeriod: formatDuration(suppress) } : {}),
      emails: n.emails ?? [],
      ...(n.webhookUrl ? { webhookUrl: n.webhookUrl } : {}),
    };
  },
  detection: splunkDetection,
  notifies: (a) => a.emails.length > 0 || a.webhookUrl !== undefined,
  addTarget: "add notify.splunk.emails or .webhookUrl (policy defaults or this rule)",
  summary: (a) => a.search,
  describe: (a) =>
    `${a.search}\nschedule "${a.cronSchedule}", window ${a.earliestTime}..${a.latestTime}, severity ${a.severity}`,
  verify: (a, rule) => {
    const samples = sampleCatalog();
    const indexed = samples.map((s) => indexedSample(s, "keytos"));
    let hits: Set<IndexedEvent>;
    try {
      hits = new Set(runSearch(parseSpl(splunkSearch(a, "keytos")), indexed));
    } catch (err) {
      if (err instanceof SplError) return [`${a.search}: ${err.message}`];
      throw err;
    }
    const keys = samples
      .filter((_, i) => hits.has(indexed[i] as IndexedEvent))
      .map((s) => eventKey(envelopeKey(s).product, envelopeKey(s).id));
    return keys.length === 1 && keys[0] === rule.key
      ? []
      : [`search ${a.search} matches ${keys.join(", ") || "no"} catalog sample(s), not exactly ${rule.key}`];
  },
};

/** An envelope as HEC indexes it on `index`. */
export function indexedSample(env: Envelope, index: string): IndexedEvent {
  return {
    index,
    sourcetype: env.sourcetype,
    source: env.source,
    host: env.host,
    time: env.time,
    event: env.event as Record<string, unknown>,
  };
}
