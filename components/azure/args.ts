/**
 * Arguments of the Azure Log Analytics / Sentinel destination, validated up front (aws-cdk
 * style): every problem is reported at once, naming the field, the bad value and what is
 * allowed, before any resource is registered. Pure: no Pulumi import.
 */
import type { CompiledRule } from "../policy/compile";
import { isoDurationSeconds } from "./query";

/** The Keytos (EZCA / EZMonitor) multi-tenant application, as registered in customer tenants. */
export const KEYTOS_APP_ID = "68554b48-233f-42b4-9aa7-2eadca4d7727";

export const WORKSPACE_SKUS = ["PerGB2018", "CapacityReservation"] as const;
/** Commitment tiers a CapacityReservation workspace accepts (GB/day). */
export const CAPACITY_RESERVATION_LEVELS = [100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000, 50000];
export const SENTINEL_MODES = ["onboard", "onboarded", "none"] as const;
export const INGESTION_MODES = ["dce", "direct"] as const;
export const PRINCIPAL_TYPES = ["ServicePrincipal", "User", "Group"] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;
const WORKSPACE_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.OperationalInsights\/workspaces\/([^/]+)$/i;
/** Azure region names as ARM and the CLI spell them: eastus, westeurope, usgovvirginia. */
const LOCATION = /^[a-z][a-z0-9]{2,29}$/;

export interface CreateWorkspaceSettings {
  /** Existing resource group to create the workspace in. */
  resourceGroupName: string;
  /** Workspace name (4-63 letters, digits, dashes). Default `keytos-siem-<customer>`. */
  name?: string;
  /** Pricing tier. Default PerGB2018 (pay as you go). */
  sku?: (typeof WORKSPACE_SKUS)[number];
  /** GB/day commitment, with sku CapacityReservation only. */
  capacityReservationLevel?: number;
  /** Interactive retention of the workspace in days (30-730). Default 90 (free with Sentinel). */
  retentionInDays?: number;
}

export interface SentinelSettings {
  /** Azure region of the workspace, DCE and DCR, as ARM spells it: `eastus`, `westeurope`. */
  location: string;
  /**
   * Resource ID of an existing Log Analytics workspace (Portal: workspace > Properties > Resource
   * ID). Exactly one of workspaceId and createWorkspace.
   */
  workspaceId?: string;
  /** Create the workspace instead of using an existing one. */
  createWorkspace?: CreateWorkspaceSettings;
  /**
   * "dce" (default): a Data Collection Endpoint plus a DCR that uses it. "direct": a DCR of kind
   * Direct, which has its own logs-ingestion endpoint (no DCE resource).
   */
  ingestion?: (typeof INGESTION_MODES)[number];
  /**
   * Who sends the logs. Default: the Keytos application's service principal, looked up in the
   * tenant by its appId. `appId` looks up another application; `principalId` (object id) skips
   * the lookup, for any principal type.
   */
  sender?: {
    appId?: string;
    principalId?: string;
    principalType?: (typeof PRINCIPAL_TYPES)[number];
  };
  /**
   * Grant the sender Monitoring Contributor, Monitoring Metrics Publisher and Log Analytics
   * Contributor on the workspace's resource group, as the Keytos guide requires for the EZCA
   * portal's "Create Connection" (default true). Set false when the sender only uses the DCR this
   * component creates: it then gets Monitoring Metrics Publisher on that DCR alone.
   */
  resourceGroupRoles?: boolean;
  /**
   * "onboard" (default): enable Microsoft Sentinel on the workspace. "onboarded": it already is
   * (e.g. managed elsewhere). "none": Log Analytics only, no analytics rules.
   */
  sentinel?: (typeof SENTINEL_MODES)[number];
  /** Interactive retention of the custom tables in days (4-730). Default: the workspace's. */
  tableRetentionDays?: number;
  /** Total retention (interactive + long-term) of the custom tables in days (4-4383). */
  tableTotalRetentionDays?: number;
  tags?: Record<string, string>;
}

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroupName: string;
  workspaceName: string;
}

export interface ResolvedSentinelSettings {
  location: string;
  /** Set when using an existing workspace. */
  existing?: WorkspaceRef & { resourceId: string };
  /** Set when creating the workspace. */
  create?: Required<
    Pick<CreateWorkspaceSettings, "resourceGroupName" | "name" | "sku" | "retentionInDays">
  > & {
    capacityReservationLevel?: number;
  };
  /** Resource group and name of the workspace, known in both cases. */
  resourceGroupName: string;
  workspaceName: string;
  ingestion: (typeof INGESTION_MODES)[number];
  sender: { appId: string } | { principalId: string };
  principalType: (typeof PRINCIPAL_TYPES)[number];
  resourceGroupRoles: boolean;
  sentinel: (typeof SENTINEL_MODES)[number];
  tableRetentionDays?: number;
  tableTotalRetentionDays?: number;
  tags: Record<string, string>;
}

export class SentinelArgsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Azure Sentinel destination settings:\n  ${problems.join("\n  ")}`);
    this.name = "SentinelArgsError";
  }
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

/** The resource group id a role assignment is scoped to. */
export function resourceGroupScope(ref: Pick<WorkspaceRef, "subscriptionId" | "resourceGroupName">): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroupName}`;
}

const inRange = (v: number | undefined, lo: number, hi: number) =>
  v === undefined || (Number.isInteger(v) && v >= lo && v <= hi);

/** Sentinel accepts query frequency and period from 5 minutes to 14 days. */
const MIN_WINDOW_S = 300;
const MAX_WINDOW_S = 14 * 86400;
/** Suppression: 5 minutes to 24 hours. */
const MAX_SUPPRESSION_S = 86400;

function checkWorkspace(s: SentinelSettings, customer: string, problems: string[]) {
  if (s.workspaceId !== undefined && s.createWorkspace !== undefined) {
    problems.push(
      "workspaceId and createWorkspace are both set: use an existing workspace or create one, not both",
    );
    return {};
  }
  if (s.workspaceId === undefined && s.createWorkspace === undefined) {
    problems.push(
      "workspaceId is missing: set it to the Log Analytics workspace's Resource ID (Portal: workspace > Properties > Resource ID, " +
        "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>), or set createWorkspace",
    );
    return {};
  }
  if (s.workspaceId !== undefined) {
    const ref = parseWorkspaceId(s.workspaceId);
    if (!ref) {
      problems.push(
        `workspaceId "${s.workspaceId}" is not a workspace resource id; expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name> (Portal: workspace > Properties > Resource ID)`,
      );
      return {};
    }
    if (!GUID.test(ref.subscriptionId)) {
      problems.push(`workspaceId: subscription "${ref.subscriptionId}" must be a subscription id (a GUID)`);
    }
    return { existing: { ...ref, resourceId: s.workspaceId } };
  }
  const c = s.createWorkspace as CreateWorkspaceSettings;
  const name = c.name ?? `keytos-siem-${customer}`;
  const sku = c.sku ?? "PerGB2018";
  const retentionInDays = c.retentionInDays ?? 90;
  if (!RESOURCE_GROUP.test(c.resourceGroupName ?? "")) {
    problems.push(
      `createWorkspace.resourceGroupName "${c.resourceGroupName ?? ""}" must be 1-90 letters, digits and - _ . ( ), not ending in a period`,
    );
  }
  if (!WORKSPACE_NAME.test(name)) {
    problems.push(
      `createWorkspace.name "${name}" must be 4-63 letters, digits and dashes, starting and ending with a letter or digit`,
    );
  }
  if (!(WORKSPACE_SKUS as readonly string[]).includes(sku)) {
    problems.push(`createWorkspace.sku "${sku}" is not supported; use one of ${WORKSPACE_SKUS.join(", ")}`);
  }
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
  if (!inRange(retentionInDays, 30, 730)) {
    problems.push(
      `createWorkspace.retentionInDays ${retentionInDays} must be a whole number of days from 30 to 730`,
    );
  }
  return {
    create: {
      resourceGroupName: c.resourceGroupName,
      name,
      sku,
      retentionInDays,
      ...(c.capacityReservationLevel !== undefined
        ? { capacityReservationLevel: c.capacityReservationLevel }
        : {}),
    },
  };
}

function checkRules(rules: readonly CompiledRule[], problems: string[]) {
  for (const rule of rules) {
    const st = rule.destinations.sentinel;
    if (!st) continue;
    if (rule.windowSeconds < MIN_WINDOW_S || rule.windowSeconds > MAX_WINDOW_S) {
      problems.push(
        `rule ${rule.key} (policy rule "${rule.rule}"): window ${rule.window} is outside what Sentinel accepts for query frequency and period (5m to 14d); change the window or drop sentinel from the rule's destinations`,
      );
    }
    const suppress = st.suppressionDuration ? isoDurationSeconds(st.suppressionDuration) : undefined;
    if (suppress !== undefined && (suppress < MIN_WINDOW_S || suppress > MAX_SUPPRESSION_S)) {
      problems.push(
        `rule ${rule.key} (policy rule "${rule.rule}"): suppressFor ${st.suppressionDuration} is outside what Sentinel accepts (5m to 24h)`,
      );
    }
  }
}

/** Validates settings and fills defaults; throws SentinelArgsError listing every problem. */
export function resolveSentinelSettings(
  s: SentinelSettings,
  customer: string,
  rules: readonly CompiledRule[] = [],
): ResolvedSentinelSettings {
  const problems: string[] = [];
  if (typeof s.location !== "string" || !LOCATION.test(s.location)) {
    const hint =
      typeof s.location === "string" && s.location.trim()
        ? ` (did you mean "${s.location.toLowerCase().replace(/[^a-z0-9]/g, "")}"?)`
        : "";
    problems.push(
      `location "${s.location ?? ""}" must be an Azure region name as ARM spells it, lower-case without spaces, e.g. eastus, westeurope${hint}; it must be the workspace's location (Portal: workspace > Overview > Location)`,
    );
  }
  const ws = checkWorkspace(s, customer, problems);
  const ingestion = s.ingestion ?? "dce";
  if (!(INGESTION_MODES as readonly string[]).includes(ingestion)) {
    problems.push(`ingestion "${ingestion}" must be one of ${INGESTION_MODES.join(", ")}`);
  }
  const sentinel = s.sentinel ?? "onboard";
  if (!(SENTINEL_MODES as readonly string[]).includes(sentinel)) {
    problems.push(`sentinel "${sentinel}" must be one of ${SENTINEL_MODES.join(", ")}`);
  }
  const sender = s.sender ?? {};
  if (sender.appId !== undefined && sender.principalId !== undefined) {
    problems.push(
      "sender.appId and sender.principalId are both set: give the application id or the object id, not both",
    );
  }
  if (sender.appId !== undefined && !GUID.test(sender.appId)) {
    problems.push(`sender.appId "${sender.appId}" must be an application (client) id, a GUID`);
  }
  if (sender.principalId !== undefined && !GUID.test(sender.principalId)) {
    problems.push(`sender.principalId "${sender.principalId}" must be the principal's object id, a GUID`);
  }
  const principalType = sender.principalType ?? "ServicePrincipal";
  if (!(PRINCIPAL_TYPES as readonly string[]).includes(principalType)) {
    problems.push(`sender.principalType "${principalType}" must be one of ${PRINCIPAL_TYPES.join(", ")}`);
  }
  if (sender.principalType !== undefined && sender.principalId === undefined) {
    problems.push(
      "sender.principalType needs sender.principalId (a looked-up application is a ServicePrincipal)",
    );
  }
  if (!inRange(s.tableRetentionDays, 4, 730)) {
    problems.push(`tableRetentionDays ${s.tableRetentionDays} must be a whole number of days from 4 to 730`);
  }
  if (!inRange(s.tableTotalRetentionDays, 4, 4383)) {
    problems.push(
      `tableTotalRetentionDays ${s.tableTotalRetentionDays} must be a whole number of days from 4 to 4383 (12 years)`,
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
  if (sentinel !== "none") checkRules(rules, problems);
  if (problems.length > 0) throw new SentinelArgsError(problems);

  const create = ws.create;
  const existing = ws.existing;
  return {
    location: s.location,
    ...(existing ? { existing } : {}),
    ...(create ? { create } : {}),
    resourceGroupName: existing?.resourceGroupName ?? (create?.resourceGroupName as string),
    workspaceName: existing?.workspaceName ?? (create?.name as string),
    ingestion,
    sender: sender.principalId
      ? { principalId: sender.principalId }
      : { appId: sender.appId ?? KEYTOS_APP_ID },
    principalType,
    resourceGroupRoles: s.resourceGroupRoles ?? true,
    sentinel,
    ...(s.tableRetentionDays !== undefined ? { tableRetentionDays: s.tableRetentionDays } : {}),
    ...(s.tableTotalRetentionDays !== undefined
      ? { tableTotalRetentionDays: s.tableTotalRetentionDays }
      : {}),
    tags: { "managed-by": "keytos-siem", customer, ...s.tags },
  };
}
