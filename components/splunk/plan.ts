/**
 * How `plan` shows and mocks the Splunk objects (dynamic resources): what a reviewer checks (names,
 * the index a token may write, each alert's SPL, schedule and actions); never the credential.
 */
import { KNOWN_AFTER_DEPLOY } from "../config/plan-tables";
import type { PlanTables } from "../destination";

type Inputs = Record<string, unknown>;

/** The type token pulumi.dynamic.Resource registers a Splunk object under (providers.ts, by kind). */
export const splunkType = (kind: "SplunkIndex" | "SplunkHecToken" | "SplunkSavedSearch") =>
  `pulumi-nodejs:dynamic/keytos-siem:${kind}`;

/** The object's name, the named REST settings that are set, and a disabled TLS check (loudly). */
const show =
  (...settings: string[]) =>
  (i: Inputs): Inputs => {
    const s = (i.settings ?? {}) as Inputs;
    const insecure = (i.connection as Inputs | undefined)?.insecureSkipVerify === true;
    return {
      name: i.name,
      ...Object.fromEntries(settings.filter((k) => s[k] !== undefined && s[k] !== "").map((k) => [k, s[k]])),
      ...(insecure ? { insecureSkipVerify: "TLS VERIFICATION DISABLED" } : {}),
    };
  };

export const splunkPlan: PlanTables = {
  show: {
    [splunkType("SplunkIndex")]: show("frozenTimePeriodInSecs"),
    [splunkType("SplunkHecToken")]: show("index", "indexes", "useACK"),
    [splunkType("SplunkSavedSearch")]: show(
      "search",
      "cron_schedule",
      "dispatch.earliest_time",
      "alert_threshold",
      "alert.severity",
      "alert.suppress.period",
      "actions",
    ),
  },
  mock: {
    // The token is Splunk's GUID, made on deploy.
    [splunkType("SplunkHecToken")]: ({ inputs }) => ({
      id: String(inputs.name),
      state: { token: KNOWN_AFTER_DEPLOY },
    }),
    [splunkType("SplunkIndex")]: ({ inputs }) => ({ id: String(inputs.name), state: {} }),
    [splunkType("SplunkSavedSearch")]: ({ inputs }) => ({ id: String(inputs.name), state: {} }),
  },
};
