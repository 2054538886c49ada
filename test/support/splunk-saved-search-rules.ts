/**
 * The saved-search parameters the Splunk REST contract server accepts (savedsearches.conf's, as
 * `POST saved/searches` documents them), each value checked the way Splunk checks it, and how
 * GET answers them (booleans and the severity typed, the rest text, Splunk's defaults for the rest).
 */
import { parseSpl, SplError } from "../../components/splunk/spl";
import { isTimeModifier } from "../../components/splunk/time";

const BOOLEANS = new Set([
  "is_scheduled",
  "is_visible",
  "disabled",
  "alert.digest_mode",
  "alert.suppress",
  "action.email",
  "action.email.sendresults",
  "action.webhook",
  "realtime_schedule",
]);
const TEXT = new Set([
  "search",
  "description",
  "cron_schedule",
  "schedule_window",
  "schedule_priority",
  "dispatch.earliest_time",
  "dispatch.latest_time",
  "alert_type",
  "alert_comparator",
  "alert_threshold",
  "alert_condition",
  "alert.track",
  "alert.severity",
  "alert.suppress.period",
  "alert.suppress.fields",
  "alert.expires",
  "actions",
  "action.email.to",
  "action.email.cc",
  "action.email.bcc",
  "action.email.subject",
  "action.email.format",
  "action.webhook.param.url",
  "request.ui_dispatch_app",
  "request.ui_dispatch_view",
]);
const ALERT_TYPES = ["always", "custom", "number of events", "number of hosts", "number of sources"];
const COMPARATORS = ["greater than", "less than", "equal to", "not equal to", "drops by", "rises by"];
const ACTIONS = new Set([
  "email",
  "webhook",
  "script",
  "rss",
  "summary_index",
  "populate_lookup",
  "lookup",
  "logevent",
]);
const CRON_RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/** Whether a cron expression is five fields of *, n, a-b, with /step and comma lists, in range. */
export function validCron(cron: string): boolean {
  const fields = cron.trim().split(/\s+/);
  return (
    fields.length === 5 &&
    fields.every((field, i) => {
      const [lo, hi] = CRON_RANGES[i] as [number, number];
      return field.split(",").every((part) => {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return false;
        const [a, b, step] = [m[2], m[3], m[4]].map((x) => (x === undefined ? undefined : Number(x)));
        if (step !== undefined && step < 1) return false;
        if (a === undefined) return true;
        return a >= lo && a <= hi && (b === undefined || (b >= a && b <= hi));
      });
    })
  );
}

/** The first thing Splunk would refuse in a create (or update) form, or undefined. */
export function savedSearchProblem(form: Map<string, string[]>, create: boolean): string | undefined {
  const one = (k: string) => form.get(k)?.[0];
  for (const [k, values] of form) {
    if (k === "name" || k === "output_mode") continue;
    if (!BOOLEANS.has(k) && !TEXT.has(k)) return `Argument "${k}" is not supported by this handler.`;
    if (values.length > 1) return `Argument "${k}" is given ${values.length} times`;
    if (BOOLEANS.has(k) && !/^(0|1|true|false)$/.test(values[0] as string))
      return `${k} must be a boolean, got ${values[0]}`;
  }
  const search = one("search");
  if (create && !search) return 'Argument "search" is required';
  if (search !== undefined) {
    try {
      parseSpl(search);
    } catch (err) {
      if (err instanceof SplError) return `Error in 'search' command: ${err.message}`;
      throw err;
    }
  }
  const cron = one("cron_schedule");
  if (cron !== undefined && !validCron(cron)) return `Invalid cron_schedule "${cron}"`;
  if (create && /^(1|true)$/.test(one("is_scheduled") ?? "") && !cron)
    return "A scheduled search needs a cron_schedule";
  const severity = one("alert.severity");
  if (severity !== undefined && !/^[1-6]$/.test(severity))
    return `alert.severity must be an integer from 1 to 6, got ${severity}`;
  const checks: [string, (v: string) => boolean][] = [
    ["alert_type", (v) => ALERT_TYPES.includes(v)],
    ["alert_comparator", (v) => COMPARATORS.includes(v)],
    ["alert_threshold", (v) => /^\d+(\.\d+)?%?$/.test(v)],
    ["alert.track", (v) => /^(0|1|true|false|auto)$/.test(v)],
    ["dispatch.earliest_time", isTimeModifier],
    ["dispatch.latest_time", isTimeModifier],
    ["alert.suppress.period", (v) => /^\d+[smhd]?$/.test(v)],
    ["actions", (v) => v === "" || v.split(",").every((a) => ACTIONS.has(a.trim()))],
    ["action.email.to", (v) => v.split(",").every((a) => /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(a.trim()))],
    ["action.webhook.param.url", (v) => /^https?:\/\/[^\s]+$/.test(v)],
  ];
  for (const [k, ok] of checks) {
    const v = one(k);
    if (v !== undefined && !ok(v)) return `Invalid value "${v}" for ${k}`;
  }
  return undefined;
}

/** Splunk's answer for fields never set. */
export const SAVED_SEARCH_DEFAULTS: Record<string, unknown> = {
  actions: "",
  "alert.digest_mode": true,
  "alert.severity": 3,
  "alert.suppress": false,
  "alert.track": false,
  alert_comparator: "",
  alert_threshold: "",
  alert_type: "always",
  cron_schedule: "",
  description: "",
  disabled: false,
  "dispatch.earliest_time": "",
  "dispatch.latest_time": "",
  is_scheduled: false,
  search: "",
};

/** Form values as GET answers them. */
export function typedContent(values: Record<string, string[]>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([k, [v = ""]]) => [
      k,
      BOOLEANS.has(k)
        ? /^(1|true)$/.test(v)
        : k === "alert.severity"
          ? Number(v)
          : k === "alert.track"
            ? /^(1|true)$/.test(v)
            : v,
    ]),
  );
}
