/**
 * The policy's alerts as Datadog log monitors, in the guide's query shape:
 *   search   service:EZCA @EventID:4888          (EZMonitor: service:EZMonitor @VulnerabilityID:18)
 *   monitor  logs("service:EZCA @EventID:4888").index("*").rollup("count").last("5m") > 0
 */
import { z } from "zod";
import { envelopeKey } from "../catalog/envelope";
import { eventKey } from "../catalog/events";
import { PRODUCT_FACTS } from "../catalog/products";
import { sampleCatalog } from "../catalog/samples";
import { strict } from "../config/yaml-file";
import type { AlertCompiler } from "../policy/alerts";
import type { CompiledAlert } from "../policy/compile";
import type { Severity } from "../policy/schema";
import { datadogDetection } from "./detection";
import {
  datadogMonitorQuery,
  datadogSearchMatches,
  datadogSearchQuery,
  parseDatadogMonitorQuery,
} from "./query";
import { toDatadogLog } from "./shape";

/** Monitor priority (1 = P1, highest) for a policy severity. */
export function datadogPriority(severity: Severity): 1 | 2 | 3 | 4 | 5 {
  return ({ high: 1, medium: 3, low: 4, informational: 5 } as const)[severity];
}

const notify = strict({
  /** @-handles appended to the monitor message (people, Slack channels, PagerDuty services...). */
  handles: z
    .array(
      z.string().regex(/^@[^\s@][^\s]*$/, {
        error: 'must be a Datadog @-handle like "@pagerduty-secops" or "@alice@example.com"',
      }),
    )
    .optional(),
});

export interface DatadogAlert {
  search: string;
  query: string;
  priority: 1 | 2 | 3 | 4 | 5;
  handles: string[];
  tags: string[];
}

/** This destination's alert of a compiled rule, if the rule has one. */
export const datadogAlertOf = (rule: CompiledAlert) => rule.destinations.datadog as DatadogAlert | undefined;

export const datadogAlerts: AlertCompiler<DatadogAlert, typeof notify> = {
  detection: datadogDetection,
  key: "datadog",
  notify,
  compile: (rule, n) => {
    const search =
      rule.kind === "event" ? datadogSearchQuery(rule.product, rule.id) : (rule.queries.datadog as string);
    return {
      search,
      query: datadogMonitorQuery(search, rule.windowSeconds, rule.threshold),
      priority: datadogPriority(rule.severity),
      handles: n.handles ?? [],
      tags:
        rule.kind === "event"
          ? [
              `product:${rule.product.toLowerCase()}`,
              `${PRODUCT_FACTS[rule.product].idTag}:${rule.id}`,
              `criticality:${rule.criticality.toLowerCase()}`,
              `policy_rule:${rule.rule}`,
            ]
          : [`detection:${rule.name}`],
    };
  },
  notifies: (a) => a.handles.length > 0,
  addTarget: 'add notify.datadog.handles, e.g. ["@pagerduty-secops"] (policy defaults or this rule)',
  summary: (a) => a.query,
  verify: (a, rule) => {
    let parts: ReturnType<typeof parseDatadogMonitorQuery>;
    try {
      parts = parseDatadogMonitorQuery(a.query);
    } catch (err) {
      return [(err as Error).message];
    }
    const problems: string[] = [];
    const expected = {
      index: "*",
      rollup: "count",
      operator: ">",
      threshold: rule.threshold,
      window: rule.window,
    };
    for (const [k, v] of Object.entries(expected)) {
      const got = parts[k as keyof typeof parts];
      if (got !== v)
        problems.push(`${a.query}: ${k} is ${JSON.stringify(got)}, expected ${JSON.stringify(v)}`);
    }
    const matched = sampleCatalog()
      .filter((s) => datadogSearchMatches(parts.search, toDatadogLog(s)))
      .map((s) => eventKey(envelopeKey(s).product, envelopeKey(s).id));
    if (matched.length !== 1 || matched[0] !== rule.key) {
      problems.push(
        `search ${parts.search} matches ${matched.join(", ") || "no"} catalog sample(s), not exactly ${rule.key}`,
      );
    }
    return problems;
  },
};
