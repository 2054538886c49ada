/**
 * Built-in Azure roles the sender needs, and deterministic role assignment names (a GUID derived
 * from scope, role and principal): re-runs and imports find the same assignment instead of
 * failing with RoleAssignmentExists or creating duplicates.
 */
import { stableGuid } from "./rules";

/** Built-in role definition ids (identical in every tenant). */
export const BUILTIN_ROLES = {
  "Monitoring Contributor": "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
  "Log Analytics Contributor": "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
} as const;
export type BuiltinRole = keyof typeof BUILTIN_ROLES;

/** The three roles the Keytos guide grants on the workspace's resource group. */
export const RESOURCE_GROUP_ROLES: readonly BuiltinRole[] = [
  "Monitoring Contributor",
  "Monitoring Metrics Publisher",
  "Log Analytics Contributor",
];

export function roleDefinitionId(subscriptionId: string, role: BuiltinRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES[role]}`;
}

export function roleAssignmentName(scope: string, role: BuiltinRole, principalId: string): string {
  return stableGuid("role-assignment", scope.toLowerCase(), BUILTIN_ROLES[role], principalId.toLowerCase());
}

/** "Monitoring Metrics Publisher" -> "monitoring-metrics-publisher" (Pulumi resource names). */
export const roleSlug = (role: BuiltinRole) => role.toLowerCase().replace(/ /g, "-");

/** Subscription id out of any ARM resource id. */
export function subscriptionOf(resourceId: string): string {
  const m = /^\/subscriptions\/([^/]+)\//i.exec(resourceId);
  if (!m?.[1]) throw new Error(`"${resourceId}" is not an Azure resource id`);
  return m[1];
}
