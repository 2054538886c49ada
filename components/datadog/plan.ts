/** How `plan` shows and mocks this destination's resources (the provider shows only where it points). */
import { pick } from "../config/plan-tables";
import type { PlanTables } from "../destination";

export const datadogPlan: PlanTables = {
  show: {
    "pulumi:providers:datadog": pick("apiUrl"),
    "datadog:index/apiKey:ApiKey": pick("name"),
    "datadog:index/monitor:Monitor": pick("name", "query", "priority"),
  },
  mock: {
    "datadog:index/apiKey:ApiKey": ({ name }) => ({ id: name, state: { key: "(known after apply)" } }),
  },
};
