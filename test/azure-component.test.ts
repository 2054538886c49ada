/**
 * The Azure Log Analytics / Sentinel component under Pulumi's unit-test mocks: the three role
 * assignments on the resource group (and the DCR grant) with the built-in role ids and exact
 * scopes, the custom tables and their columns, DCR streams and flows matching the tables, one
 * analytics rule per policy rule with its exact KQL and settings, and bad settings failing
 * before any resource is registered.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { DcrBody } from "../components/azure/dcr";
import { stableGuid } from "../components/azure/rules";
import { SENTINEL_TABLES } from "../components/azure/tables";
import { alertsOf, type CompiledAlert } from "../components/policy";
import { loadPolicy } from "../components/registry";
import { compilePolicyText } from "./support/policy";
import { output, type Registered, recordResources } from "./support/pulumi-mocks";

const SUB = "11111111-2222-3333-4444-555555555555";
const RG = `/subscriptions/${SUB}/resourceGroups/secops`;
const WORKSPACE = `${RG}/providers/Microsoft.OperationalInsights/workspaces/sentinel-ws`;
const KEYTOS_SP = "99999999-8888-7777-6666-555555555555";
const ROLE_IDS = {
  "Monitoring Contributor": "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
  "Log Analytics Contributor": "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
};
let registered: Registered[] = [];
const lookups: Record<string, unknown>[] = [];

beforeAll(async () => {
  registered = await recordResources(
    (args) => {
      const arm = (type: string) =>
        `${RG}/providers/${type}/${String(args.inputs.dataCollectionRuleName ?? args.inputs.dataCollectionEndpointName ?? args.inputs.resourceName ?? args.inputs.workspaceName)}`;
      switch (args.type) {
        case "azure-native:operationalinsights:Workspace":
          return { id: arm("Microsoft.OperationalInsights/workspaces") };
        case "azure-native:monitor:DataCollectionEndpoint":
          return {
            id: arm("Microsoft.Insights/dataCollectionEndpoints"),
            logsIngestion: { endpoint: "https://keytos-siem-contoso-abcd.eastus-1.ingest.monitor.azure.com" },
          };
        case "azure-native:monitor:DataCollectionRule":
          return { id: arm("Microsoft.Insights/dataCollectionRules"), immutableId: "dcr-0123456789abcdef" };
        case "azure-native:resources:Resource":
          return {
            id: arm("Microsoft.Insights/dataCollectionRules"),
            properties: {
              ...(args.inputs.properties as object),
              immutableId: "dcr-direct0123456789",
              endpoints: {
                logsIngestion: "https://keytos-siem-contoso-xyz.eastus-1.ingest.monitor.azure.com",
              },
            },
          };
        case "azure-native:securityinsights:ScheduledAlertRule":
          return { name: args.inputs.ruleId };
        default:
          return {};
      }
    },
    (token, inputs) => {
      if (token !== "azuread:index/getServicePrincipal:getServicePrincipal") return undefined;
      lookups.push(inputs);
      return { ...inputs, objectId: KEYTOS_SP };
    },
  );
});

const rules = loadPolicy("policies/default.yaml").rules;
const byPrefix = (prefix: string, type: string) =>
  registered.filter((r) => r.name.startsWith(prefix) && r.type === `azure-native:${type}`);

async function build(
  name: string,
  settings: Record<string, unknown>,
  ruleSet: readonly CompiledAlert[] = rules,
) {
  const { SentinelDestination } = await import("../components/azure");
  const d = new SentinelDestination(name, {
    customer: "contoso",
    location: "eastus",
    workspaceId: WORKSPACE,
    rules: ruleSet,
    ...settings,
  });
  await Promise.all([output(d.ruleIds), output(d.ingestionEndpoint), output(d.dcrImmutableId)]);
  // Role assignment names resolve after the principal lookup.
  await new Promise((r) => setTimeout(r, 50));
  return d;
}

describe("SentinelDestination (Pulumi mocks)", () => {
  it("grants the Keytos app the three guide roles on the workspace's resource group, and Metrics Publisher on the DCR", async () => {
    const d = await build("az", {});
    expect(lookups).toContainEqual({ clientId: "68554b48-233f-42b4-9aa7-2eadca4d7727" });
    const roles = byPrefix("az-", "authorization:RoleAssignment").map((r) => r.inputs);
    expect(roles).toHaveLength(4);
    const rgRoles = roles.filter((r) => r.scope === RG);
    expect(rgRoles.map((r) => r.roleDefinitionId).sort()).toEqual(
      Object.values(ROLE_IDS)
        .map((id) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${id}`)
        .sort(),
    );
    for (const r of roles) {
      expect(r.principalId).toBe(KEYTOS_SP);
      expect(r.principalType).toBe("ServicePrincipal");
      expect(r.roleAssignmentName).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
    const dcrRole = roles.find((r) => r.scope !== RG);
    expect(dcrRole).toMatchObject({
      scope: `${RG}/providers/Microsoft.Insights/dataCollectionRules/keytos-siem-contoso`,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE_IDS["Monitoring Metrics Publisher"]}`,
    });
    // Deterministic: the same scope, role and principal give the same assignment name on every run.
    const again = await build("az2", {});
    const names = (p: string) =>
      byPrefix(p, "authorization:RoleAssignment")
        .map((r) => r.inputs.roleAssignmentName)
        .sort();
    expect(names("az2-")).toEqual(names("az-"));
    expect(new Set(names("az-")).size).toBe(4);
    expect(await output(d.senderPrincipalId)).toBe(KEYTOS_SP);
    expect(await output(again.workspaceResourceId)).toBe(WORKSPACE);
  });

  it("declares the three custom tables with typed columns the guide's queries use", async () => {
    await build("tbl", { tableRetentionDays: 90, tableTotalRetentionDays: 730 });
    const tables = byPrefix("tbl-", "operationalinsights:Table").map((r) => r.inputs);
    expect(tables.map((t) => t.tableName).sort()).toEqual([
      "EZCA_CAs_CL",
      "EZCA_Certificates_CL",
      "EZMonitor_Alerts_CL",
    ]);
    for (const t of tables) {
      expect(t).toMatchObject({
        resourceGroupName: "secops",
        workspaceName: "sentinel-ws",
        plan: "Analytics",
        retentionInDays: 90,
        totalRetentionInDays: 730,
      });
      const columns = (t.schema as { columns: { name: string; type: string }[] }).columns;
      expect(columns[0]).toMatchObject({ name: "TimeGenerated", type: "dateTime" });
      const id = t.tableName === "EZMonitor_Alerts_CL" ? "VulnerabilityID_d" : "EventID_d";
      expect(columns.find((c) => c.name === id)?.type).toBe("real");
      const table = Object.values(SENTINEL_TABLES).find((x) => x.name === t.tableName);
      expect(columns.map((c) => c.name)).toEqual(table?.columns.map((c) => c.name));
    }
  });

  it("a DCE plus a DCR whose streams and flows match the tables column for column", async () => {
    const d = await build("dcr", {});
    const [dce] = byPrefix("dcr-", "monitor:DataCollectionEndpoint");
    expect(dce?.inputs).toMatchObject({ location: "eastus", resourceGroupName: "secops" });
    const [dcr] = byPrefix("dcr-", "monitor:DataCollectionRule");
    const inputs = dcr?.inputs as unknown as DcrBody & { location: string; dataCollectionEndpointId: string };
    expect(inputs.location).toBe("eastus");
    expect(inputs.dataCollectionEndpointId).toBe(
      `${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/keytos-siem-contoso`,
    );
    expect(inputs.destinations).toEqual({
      logAnalytics: [{ name: "workspace", workspaceResourceId: WORKSPACE }],
    });
    for (const table of Object.values(SENTINEL_TABLES)) {
      const declared = inputs.streamDeclarations[table.stream]?.columns ?? [];
      expect(declared.map((c) => c.name)).toEqual(table.columns.map((c) => c.name));
      for (const [i, c] of table.columns.entries()) {
        expect(declared[i]?.type, `${table.name}.${c.name}`).toBe(
          c.type === "dateTime" ? "datetime" : c.type,
        );
      }
      expect(inputs.dataFlows).toContainEqual({
        streams: [table.stream],
        destinations: ["workspace"],
        transformKql: "source",
        outputStream: `Custom-${table.name}`,
      });
    }
    expect(inputs.dataFlows).toHaveLength(3);
    expect(await output(d.ingestionEndpoint)).toBe(
      "https://keytos-siem-contoso-abcd.eastus-1.ingest.monitor.azure.com",
    );
    expect(await output(d.dcrImmutableId)).toBe("dcr-0123456789abcdef");
    expect(d.streamNames).toEqual({
      EZCA_CAs_CL: "Custom-EZCA_CAs_CL",
      EZCA_Certificates_CL: "Custom-EZCA_Certificates_CL",
      EZMonitor_Alerts_CL: "Custom-EZMonitor_Alerts_CL",
    });
  });

  it("ingestion: direct makes a DCR of kind Direct with its own endpoint and no DCE", async () => {
    const d = await build("direct", { ingestion: "direct" });
    expect(byPrefix("direct-", "monitor:DataCollectionEndpoint")).toHaveLength(0);
    const [dcr] = byPrefix("direct-", "resources:Resource");
    expect(dcr?.inputs).toMatchObject({
      resourceProviderNamespace: "Microsoft.Insights",
      resourceType: "dataCollectionRules",
      apiVersion: "2023-03-11",
      kind: "Direct",
      location: "eastus",
    });
    const props = dcr?.inputs.properties as DcrBody & { dataCollectionEndpointId?: string };
    expect(props.dataCollectionEndpointId).toBeUndefined();
    expect(Object.keys(props.streamDeclarations)).toHaveLength(3);
    expect(await output(d.ingestionEndpoint)).toBe(
      "https://keytos-siem-contoso-xyz.eastus-1.ingest.monitor.azure.com",
    );
    expect(await output(d.dcrImmutableId)).toBe("dcr-direct0123456789");
  });

  it("one scheduled analytics rule per policy rule, with its exact KQL and settings", async () => {
    const d = await build("rules", {});
    const created = byPrefix("rules-", "securityinsights:ScheduledAlertRule");
    const withSentinel = rules.filter((r) => r.destinations.azure);
    expect(created).toHaveLength(withSentinel.length);
    expect(withSentinel.length).toBeGreaterThan(20);
    expect(byPrefix("rules-", "securityinsights:SentinelOnboardingState")).toHaveLength(1);
    for (const rule of withSentinel) {
      const r = created.find((c) => c.name === `rules-${rule.slug}`)?.inputs;
      const st = rule.destinations.azure;
      expect(r, rule.key).toMatchObject({
        kind: "Scheduled",
        query: st?.kql,
        queryFrequency: st?.queryFrequency,
        queryPeriod: st?.queryPeriod,
        severity: st?.severity,
        triggerOperator: "GreaterThan",
        triggerThreshold: rule.threshold,
        enabled: true,
        resourceGroupName: "secops",
        workspaceName: "sentinel-ws",
      });
    }
    const r4888 = created.find((c) => c.name === "rules-ezca-4888")?.inputs;
    expect(r4888).toMatchObject({
      query: "EZCA_Certificates_CL\n| where EventID_d == 4888",
      queryFrequency: "PT5M",
      queryPeriod: "PT5M",
      severity: "High",
      triggerThreshold: 0,
      tactics: ["CredentialAccess", "PrivilegeEscalation"],
      techniques: ["T1649"],
      suppressionEnabled: false,
      suppressionDuration: "PT5H",
      eventGroupingSettings: { aggregationKind: "SingleAlert" },
      incidentConfiguration: {
        createIncident: true,
        groupingConfiguration: { enabled: true, matchingMethod: "AllEntities", lookbackDuration: "PT5H" },
      },
      entityMappings: [
        { entityType: "Account", fieldMappings: [{ identifier: "FullName", columnName: "User_s" }] },
        { entityType: "IP", fieldMappings: [{ identifier: "Address", columnName: "ClientIP_s" }] },
      ],
    });
    expect(created.find((c) => c.name === "rules-ezca-92")?.inputs.tactics).toEqual(["PrivilegeEscalation"]);
    const ezm = created.find((c) => c.name === "rules-ezmonitor-41")?.inputs;
    expect(ezm).toMatchObject({
      query: "EZMonitor_Alerts_CL\n| where VulnerabilityID_d == 41",
      queryFrequency: "PT1H",
      tactics: [],
      entityMappings: [
        { entityType: "DNS", fieldMappings: [{ identifier: "DomainName", columnName: "Domain_s" }] },
      ],
    });
    const ids = await output(d.ruleIds);
    expect(Object.keys(ids).sort()).toEqual(withSentinel.map((r) => r.key).sort());
    expect(new Set(Object.values(ids)).size).toBe(withSentinel.length);
  });

  it("deploys each custom detection as a scheduled analytics rule with a stable id from its name", async () => {
    const policy = loadPolicy("policies/with-detections.yaml");
    const d = await build("det", {}, alertsOf(policy));
    const r = byPrefix("det-", "securityinsights:ScheduledAlertRule").find(
      (c) => c.name === "det-detection-web-cert-outside-admins",
    )?.inputs;
    expect(r).toMatchObject({
      ruleId: stableGuid("sentinel-rule", "contoso", "detection:web-cert-outside-admins"),
      displayName: "[keytos-siem contoso] Detection web-cert-outside-admins",
      query:
        'EZCA_Certificates_CL\n| where ((Source_s =~ "EZCA" and EventID_d == 4887 and TemplateName_s =~ "WebServer") and not(User_s endswith "@pki-admins.example.com"))',
      queryFrequency: "PT1H",
      queryPeriod: "PT1H",
      severity: "High",
      triggerThreshold: 0,
      tactics: [],
      customDetails: { EventID: "EventID_d", Criticality: "Criticality_s" },
      entityMappings: [
        { entityType: "Account", fieldMappings: [{ identifier: "FullName", columnName: "User_s" }] },
        { entityType: "IP", fieldMappings: [{ identifier: "Address", columnName: "ClientIP_s" }] },
      ],
    });
    expect(String(r?.description)).toMatch(/Policy detection: web-cert-outside-admins\./);
    const ids = await output(d.ruleIds);
    expect(Object.keys(ids)).toEqual(
      expect.arrayContaining(["detection:web-cert-outside-admins", "detection:revocation-burst"]),
    );
  });
  it("policy suppression, incident and threshold settings reach the rule", async () => {
    const custom = compilePolicyText(`version: 1
rules:
  - name: privesc
    select: { products: [EZCA], ids: [92] }
    severity: medium
    threshold: 2
    window: 1h
    notify: { sentinel: { createIncident: false, suppressFor: 2h } }
`).rules;
    await build("custom", { sentinel: "onboarded" }, custom);
    expect(byPrefix("custom-", "securityinsights:SentinelOnboardingState")).toHaveLength(0);
    const [r] = byPrefix("custom-", "securityinsights:ScheduledAlertRule");
    expect(r?.inputs).toMatchObject({
      severity: "Medium",
      triggerThreshold: 2,
      queryFrequency: "PT1H",
      queryPeriod: "PT1H",
      suppressionEnabled: true,
      suppressionDuration: "PT2H",
      incidentConfiguration: { createIncident: false },
    });
  });

  it("creates the workspace when asked, and scopes the roles to its resource group", async () => {
    await build("new", {
      workspaceId: undefined,
      createWorkspace: { resourceGroupName: "secops", retentionInDays: 180 },
      sender: { principalId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", principalType: "Group" },
      sentinel: "none",
    });
    const [ws] = byPrefix("new-", "operationalinsights:Workspace");
    expect(ws?.inputs).toMatchObject({
      workspaceName: "keytos-siem-contoso",
      resourceGroupName: "secops",
      location: "eastus",
      sku: { name: "PerGB2018" },
      retentionInDays: 180,
    });
    const roles = byPrefix("new-", "authorization:RoleAssignment").map((r) => r.inputs);
    expect(roles.filter((r) => r.scope === RG)).toHaveLength(3);
    expect(roles.every((r) => r.principalId === "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")).toBe(true);
    expect(roles.every((r) => r.principalType === "Group")).toBe(true);
    expect(byPrefix("new-", "securityinsights:ScheduledAlertRule")).toHaveLength(0);
  });

  it("resourceGroupRoles: false leaves only the DCR-scoped publisher grant", async () => {
    await build("narrow", { resourceGroupRoles: false });
    const roles = byPrefix("narrow-", "authorization:RoleAssignment").map((r) => r.inputs);
    expect(roles).toHaveLength(1);
    expect(roles[0]?.scope).toMatch(/dataCollectionRules\/keytos-siem-contoso$/);
  });

  it("bad settings fail with every problem named, before any resource is registered", async () => {
    const { SentinelDestination } = await import("../components/azure");
    const before = registered.length;
    const make = (settings: Record<string, unknown>) => () =>
      new SentinelDestination("bad", { customer: "contoso", rules, ...settings } as never);
    expect(make({ location: "East US" })).toThrow(
      /location "East US" must be an Azure region name[\s\S]*did you mean "eastus"[\s\S]*workspaceId is missing: set it to the Log Analytics workspace's Resource ID/,
    );
    expect(make({ location: "eastus", workspaceId: "sentinel-ws" })).toThrow(
      /workspaceId "sentinel-ws" is not a workspace resource id; expected \/subscriptions\/<id>\/resourceGroups/,
    );
    expect(
      make({
        location: "westeurope",
        workspaceId: WORKSPACE,
        createWorkspace: { resourceGroupName: "x" },
        sender: { appId: "keytos" },
        tableRetentionDays: 1000,
      }),
    ).toThrow(
      /workspaceId and createWorkspace are both set[\s\S]*sender.appId "keytos" must be an application \(client\) id[\s\S]*tableRetentionDays 1000 must be a whole number of days from 4 to 730/,
    );
    // The policy schema already bounds windows (5m-1d); rules built elsewhere are checked again.
    const [base] = rules.filter((r) => r.key === "EZCA:19");
    const longWindow = [{ ...(base as (typeof rules)[number]), window: "15d", windowSeconds: 15 * 86400 }];
    expect(make({ location: "eastus", workspaceId: WORKSPACE, rules: longWindow })).toThrow(
      /rule EZCA:19 \(policy rule "high-criticality"\): window 15d is outside what Sentinel accepts/,
    );
    expect(registered.length).toBe(before);
  });
});

describe("Azure pure helpers", () => {
  it("parse workspace ids, ISO durations and rule filters; map MITRE only where it fits", async () => {
    const { parseWorkspaceId } = await import("../components/azure/contract");
    const { isoDurationSeconds, parseSentinelKql } = await import("../components/azure/query");
    const { attackFor } = await import("../components/azure/mitre");
    expect(parseWorkspaceId(WORKSPACE)).toEqual({
      subscriptionId: SUB,
      resourceGroupName: "secops",
      workspaceName: "sentinel-ws",
    });
    expect(parseWorkspaceId(`${RG}/providers/Microsoft.Insights/dataCollectionRules/x`)).toBeUndefined();
    expect(["PT5M", "PT1H", "P1D", "P1DT2H30M"].map(isoDurationSeconds)).toEqual([300, 3600, 86400, 95400]);
    expect(() => isoDurationSeconds("5m")).toThrow(/not an ISO 8601 duration/);
    expect(parseSentinelKql("EZCA_CAs_CL\n| where EventID_d == 92")).toEqual({
      table: "EZCA_CAs_CL",
      column: "EventID_d",
      value: 92,
    });
    expect(attackFor("EZCA:92").tactics).toEqual(["PrivilegeEscalation"]);
    expect(attackFor("EZCA:12")).toEqual({ tactics: [], techniques: [] });
  });
});
