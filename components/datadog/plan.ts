/** How `plan` shows and mocks this destination's resources (the provider shows only where it points). */
import { KNOWN_AFTER_DEPLOY, pick } from "../config/plan-tables";
import type { PlanTables } from "../destination";

export const datadogPlan: PlanTables = {
  show: {
    "pulumi:providers:datadog": pick("apiUrl"),
    "datadog:index/apiKey:ApiKey": pick("name"),
    "datadog:index/monitor:Monitor": pick("name", "query", "priority"),
  },
  mock: {
    "datadog:index/apiKey:ApiKey": () => ({ id: KNOWN_AFTER_DEPLOY, state: { key: KNOWN_AFTER_DEPLOY } }),
  },
};
