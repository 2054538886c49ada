/**
 * The Azure Log Analytics / Sentinel destination's contract, defined once: the component's
 * settings (also the stack config `keytos-siem:azure`), the rules across fields and against the
 * policy, the defaults, and the stack outputs. Pure zod, no SDK and no Pulumi.
 */
import { z } from "zod";
import { flag, text, wholeNumber } from "../config/settings";
import { strict } from "../config/yaml-file";
import type { CheckContext } from "../destination";
import { azureAlertOf } from "./alerts";
import { isoDurationSeconds } from "./query";

export const AZURE_COMPONENT = "keytos-siem:azure:AzureDestination";
/** The token before the destination had one name: deployed stacks keep their resources. */
export const AZURE_COMPONENT_ALIASES = [{ type: "keytos-siem:azure:SentinelDestination" }];

/** The Keytos (EZCA / EZMonitor) multi-tenant application, as registered in customer tenants. */
export const KEYTOS_APP_ID = "68554b48-233f-42b4-9aa7-2eadca4d7727";

export const WORKSPACE_SKUS = ["PerGB2018", "CapacityReservation"] as const;
/** Commitment tiers a CapacityReservation workspace accepts (GB/day). */
export const CAPACITY_RESERVATION_LEVELS = [100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000, 50000];
export const SENTINEL_MODES = ["onboard", "onboarded", "none"] as const;
export const INGESTION_MODES = ["dce", "direct"] as const;
export const PRINCIPAL_TYPES = ["ServicePrincipal", "User", "Group"] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WORKSPACE_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.OperationalInsights\/workspaces\/([^/]+)$/i;
/** Azure region names as ARM and the CLI spell them: eastus, westeurope, usgovvirginia. */
const LOCATION = /^[a-z][a-z0-9]{2,29}$/;

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroupName: string;
  workspaceName: string;
}

/** Splits a workspace resource id; undefined when it is not one. */
export function parseWorkspaceId(id: string): WorkspaceRef | undefined {
  const m = WORKSPACE_ID.exec(id);
  if (!m) return undefined;
  const [, subscriptionId, resourceGroupName, workspaceName] = m as unknown as [
    string,
    string,
    string,
    string,
  ];
  return { subscriptionId, resourceGroupName, workspaceName };
}

const oneOf = (values: readonly string[]) =>
  z.enum(values as [string, ...string[]], { error: `must be one of ${values.join(", ")}` });
const days = (lo: number, hi: number, note = "") =>
  wholeNumber().refine(
    (d) => d >= lo && d <= hi,
    `must be a whole number of days from ${lo} to ${hi}${note}`,
  );
const guid = (what: string) => z.string().regex(GUID, `must be ${what}, a GUID`);

const location = z.string({ error: "must be an Azure region name" }).check((ctx) => {
  if (LOCATION.test(ctx.value)) return;
  const hint = ctx.value.trim()
    ? ` (did you mean "${ctx.value.toLowerCase().replace(/[^a-z0-9]/g, "")}"?)`
    : "";
  ctx.issues.push({
    code: "custom",
    input: ctx.value,
    message: `must be an Azure region name as ARM spells it, lower-case without spaces, e.g. eastus, westeurope${hint}; it must be the workspace's location (Portal: workspace > Overview > Location)`,
  });
});

const workspaceId = z.string({ error: "must be a workspace resource id" }).check((ctx) => {
  const ref = parseWorkspaceId(ctx.value);
  const message = !ref
    ? "is not a workspace resource id; expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name> (Portal: workspace > Properties > Resource ID)"
    : !GUID.test(ref.subscriptionId)
      ? `has subscription "${ref.subscriptionId}", which must be a subscription id (a GUID)`
      : undefined;
  if (message) ctx.issues.push({ code: "custom", input: ctx.value, message });
});

export const azureSettings = strict({
  /** Azure region of the workspace, DCE and DCR, as ARM spells it: `eastus`, `westeurope`. */
  location,
  /**
   * Resource ID of an existing Log Analytics workspace (Portal: workspace > Properties > Resource
   * ID). Exactly one of workspaceId and createWorkspace.
   */
  workspaceId: workspaceId.optional(),
  /** Create the workspace instead of using an existing one. */
  createWorkspace: strict({
    /** Existing resource group to create the workspace in. */
    resourceGroupName: z
      .string({ error: "must be a resource group name" })
      .regex(/^[-\w.()]{0,89}[-\w()]$/, "must be 1-90 letters, digits and - _ . ( ), not ending in a period"),
    /** Workspace name (4-63 letters, digits, dashes). Default `keytos-siem-<customer>`. */
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/,
        "must be 4-63 letters, digits and dashes, starting and ending with a letter or digit",
      )
      .optional(),
    /** Pricing tier. Default PerGB2018 (pay as you go). */
    sku: z
      .enum(WORKSPACE_SKUS, { error: `is not supported; use one of ${WORKSPACE_SKUS.join(", ")}` })
      .optional(),
    /** GB/day commitment, with sku CapacityReservation only. */
    capacityReservationLevel: wholeNumber().optional(),
    /** Interactive retention of the workspace in days (30-730). Default 90 (free with Sentinel). */
    retentionInDays: days(30, 730).optional(),
  }).optional(),
  /**
   * "dce" (default): a Data Collection Endpoint plus a DCR that uses it. "direct": a DCR of kind
   * Direct, which has its own logs-ingestion endpoint (no DCE resource).
   */
  ingestion: oneOf(INGESTION_MODES).optional(),
  /**
   * Who sends the logs. Default: the Keytos application's service principal, looked up in the
   * tenant by its appId. `appId` looks up another application; `principalId` (object id) skips
   * the lookup, for any principal type.
   */
  sender: strict({
    appId: guid("an application (client) id").optional(),
    principalId: guid("the principal's object id").optional(),
    principalType: oneOf(PRINCIPAL_TYPES).optional(),
  }).optional(),
  /**
   * Grant the sender Monitoring Contributor, Monitoring Metrics Publisher and Log Analytics
   * Contributor on the workspace's resource group, as the Keytos guide requires for the EZCA
   * portal's "Create Connection" (default true). Set false when the sender only uses the DCR this
   * component creates: it then gets Monitoring Metrics Publisher on that DCR alone.
   */
  resourceGroupRoles: flag().optional(),
  /**
   * "onboard" (default): enable Microsoft Sentinel on the workspace. "onboarded": it already is
   * (e.g. managed elsewhere). "none": Log Analytics only, no analytics rules.
   */
  sentinel: oneOf(SENTINEL_MODES).optional(),
  /** Interactive retention of the custom tables in days (4-730). Default: the workspace's. */
  tableRetentionDays: days(4, 730).optional(),
  /** Total retention (interactive + long-term) of the custom tables in days (4-4383). */
  tableTotalRetentionDays: days(4, 4383, " (12 years)").optional(),
  tags: z.record(text(), z.string(), { error: "must be a map of tag names to values" }).optional(),
});
export type AzureSettings = z.input<typeof azureSettings>;
type Valid = z.output<typeof azureSettings>;

/** Sentinel accepts query frequency and period from 5 minutes to 14 days, suppression up to 24 hours. */
const MIN_WINDOW_S = 300;
const MAX_WINDOW_S = 14 * 86400;
const MAX_SUPPRESSION_S = 86400;

function checkWorkspace(s: Partial<Valid>, given: ReadonlySet<string>, problems: string[]) {
  if (given.has("workspaceId") && given.has("createWorkspace")) {
    problems.push(
      "workspaceId and createWorkspace are both set: use an existing workspace or create one, not both",
    );
  } else if (!given.has("workspaceId") && !given.has("createWorkspace")) {
    problems.push(
      "workspaceId is missing: set it to the Log Analytics workspace's Resource ID (Portal: workspace > Properties > Resource ID, " +
        "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>), or set createWorkspace",
    );
  }
  const c = s.createWorkspace;
  if (!c) return;
  const sku = c.sku ?? "PerGB2018";
  if (
    sku === "CapacityReservation" &&
    !CAPACITY_RESERVATION_LEVELS.includes(c.capacityReservationLevel ?? -1)
  ) {
    problems.push(
      `createWorkspace.capacityReservationLevel ${c.capacityReservationLevel} must be one of ${CAPACITY_RESERVATION_LEVELS.join(", ")} (GB/day) with sku CapacityReservation`,
    );
  }
  if (sku !== "CapacityReservation" && c.capacityReservationLevel !== undefined) {
    problems.push(
      "createWorkspace.capacityReservationLevel is set but sku is not CapacityReservation: remove one of them",
    );
  }
}

/** Rules across fields, and the policy's windows against what Sentinel accepts. */
export function checkAzure(s: Partial<Valid>, ctx: CheckContext): string[] {
  const problems: string[] = [];
  checkWorkspace(s, ctx.given, problems);
  const sender = s.sender ?? {};
  if (sender.appId !== undefined && sender.principalId !== undefined) {
    problems.push(
      "sender.appId and sender.principalId are both set: give the application id or the object id, not both",
    );
  }
  if (sender.principalType !== undefined && sender.principalId === undefined) {
    problems.push(
      "sender.principalType needs sender.principalId (a looked-up application is a ServicePrincipal)",
    );
  }
  if (
    s.tableRetentionDays !== undefined &&
    s.tableTotalRetentionDays !== undefined &&
    s.tableTotalRetentionDays < s.tableRetentionDays
  ) {
    problems.push(
      "tableTotalRetentionDays must be at least tableRetentionDays (total includes the interactive period)",
    );
  }
  if (s.sentinel === "none") return problems;
  for (const rule of ctx.rules) {
    const alert = azureAlertOf(rule);
    if (!alert) continue;
    if (rule.windowSeconds < MIN_WINDOW_S || rule.windowSeconds > MAX_WINDOW_S) {
      problems.push(
        `rule ${rule.key} (policy rule "${rule.rule}"): window ${rule.window} is outside what Sentinel accepts for query frequency and period (5m to 14d); change the window or drop azure from the rule's destinations`,
      );
    }
    const suppress = alert.suppressionDuration ? isoDurationSeconds(alert.suppressionDuration) : undefined;
    if (suppress !== undefined && (suppress < MIN_WINDOW_S || suppress > MAX_SUPPRESSION_S)) {
      problems.push(
        `rule ${rule.key} (policy rule "${rule.rule}"): suppressFor ${alert.suppressionDuration} is outside what Sentinel accepts (5m to 24h)`,
      );
    }
  }
  return problems;
}

/** Settings with every default filled in; `s` has passed the schema and checkAzure. */
export function resolveAzure(s: Valid, customer: string) {
  const existing = s.workspaceId
    ? { ...(parseWorkspaceId(s.workspaceId) as WorkspaceRef), resourceId: s.workspaceId }
    : undefined;
  const c = s.createWorkspace;
  const create = c
    ? {
        resourceGroupName: c.resourceGroupName,
        name: c.name ?? `keytos-siem-${customer}`,
        sku: c.sku ?? "PerGB2018",
        retentionInDays: c.retentionInDays ?? 90,
        ...(c.capacityReservationLevel !== undefined
          ? { capacityReservationLevel: c.capacityReservationLevel }
          : {}),
      }
    : undefined;
  const sender = s.sender ?? {};
  return {
    location: s.location,
    existing,
    create,
    /** Resource group and name of the workspace, known in both cases. */
    resourceGroupName: existing?.resourceGroupName ?? (create?.resourceGroupName as string),
    workspaceName: existing?.workspaceName ?? (create?.name as string),
    ingestion: s.ingestion ?? "dce",
    sender: (sender.principalId
      ? { principalId: sender.principalId }
      : { appId: sender.appId ?? KEYTOS_APP_ID }) as { principalId: string } | { appId: string },
    principalType: (sender.principalType ?? "ServicePrincipal") as (typeof PRINCIPAL_TYPES)[number],
    resourceGroupRoles: s.resourceGroupRoles ?? true,
    sentinel: s.sentinel ?? "onboard",
    tableRetentionDays: s.tableRetentionDays,
    tableTotalRetentionDays: s.tableTotalRetentionDays,
    tags: { "managed-by": "keytos-siem", customer, ...s.tags },
  };
}
export type ResolvedAzureSettings = ReturnType<typeof resolveAzure>;

/** The stack output `azure`. */
export const azureOutputs = z.object({
  location: z.string(),
  workspaceResourceId: z.string(),
  ingestionEndpoint: z.string(),
  dcrId: z.string(),
  dcrImmutableId: z.string(),
  streamNames: z.record(z.string(), z.string()),
  tableNames: z.array(z.string()),
  senderPrincipalId: z.string(),
  ruleIds: z.record(z.string(), z.string()),
});
export type AzureOutputs = z.infer<typeof azureOutputs>;
