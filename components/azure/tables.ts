/**
 * Log Analytics custom tables, one per sourcetype: EZCA_CAs_CL, EZCA_Certificates_CL,
 * EZMonitor_Alerts_CL. Column names keep the legacy Data Collector suffixes (_s string, _d double)
 * because the vendor's Sentinel queries use `EventID_d`; they must work unchanged. No guid column:
 * DCR streams have no guid type, and a stream column typed like its table column lets the data
 * flow be a plain `source` transform (RecordId is kept as a string).
 *
 * The component declares these tables and the DCR stream columns from this one list; every
 * compiled KQL is checked against it in Microsoft's Kusto language service.
 */
import type { Sourcetype } from "../catalog/events";

/** Log Analytics column types (the names the Tables API and DCR stream declarations use). */
export type LogAnalyticsType =
  | "string"
  | "real"
  | "long"
  | "int"
  | "boolean"
  | "dateTime"
  | "guid"
  | "dynamic";

export interface TableColumn {
  readonly name: string;
  readonly type: LogAnalyticsType;
  /** Envelope field the value comes from: a top-level key, or `event.<Field>`. */
  readonly from: string;
  readonly description: string;
}

export interface SentinelTable {
  readonly name: string;
  readonly sourcetype: Sourcetype;
  /** DCR stream that feeds this table. */
  readonly stream: string;
  /** Event id column the alert queries filter on. */
  readonly idColumn: "EventID_d" | "VulnerabilityID_d";
  readonly columns: readonly TableColumn[];
}

const col = (name: string, type: LogAnalyticsType, from: string, description: string): TableColumn => ({
  name,
  type,
  from,
  description,
});

const COMMON_HEAD: TableColumn[] = [
  col("TimeGenerated", "dateTime", "time", "Event time (from the envelope's epoch seconds)"),
  col("RecordId_s", "string", "event.RecordId", "Stable event id (a UUID), for de-duplication"),
  col("Host_s", "string", "host", "Sending host"),
  col("Source_s", "string", "source", "Product: EZCA or EZMonitor"),
  col("SourceType_s", "string", "sourcetype", "Log type"),
];

const COMMON_TAIL: TableColumn[] = [
  col("Summary_s", "string", "event.Summary", "Event summary"),
  col("Criticality_s", "string", "event.Criticality", "Criticality: High, Medium or Low"),
  col("Details_s", "string", "event.Details", "Free-text details"),
  col(
    "AdditionalData_s",
    "string",
    "*",
    "Any other event fields and top-level envelope fields, as JSON with sorted keys",
  ),
];

const EZCA_COMMON: TableColumn[] = [
  col("EventID_d", "real", "event.EventID", "EZCA event id"),
  ...COMMON_TAIL,
  col("User_s", "string", "event.User", "User who performed the action"),
  col("ClientIP_s", "string", "event.ClientIP", "Client IP address"),
  col("CAName_s", "string", "event.CAName", "Certificate authority name"),
  col("CAId_s", "string", "event.CAId", "Certificate authority id"),
  col("SubscriptionId_s", "string", "event.SubscriptionId", "EZCA subscription id"),
];

export const SENTINEL_TABLES: Readonly<Record<Sourcetype, SentinelTable>> = {
  EZCA_CAs: {
    name: "EZCA_CAs_CL",
    sourcetype: "EZCA_CAs",
    stream: "Custom-EZCA_CAs_CL",
    idColumn: "EventID_d",
    columns: [...COMMON_HEAD, ...EZCA_COMMON],
  },
  EZCA_Certificates: {
    name: "EZCA_Certificates_CL",
    sourcetype: "EZCA_Certificates",
    stream: "Custom-EZCA_Certificates_CL",
    idColumn: "EventID_d",
    columns: [
      ...COMMON_HEAD,
      ...EZCA_COMMON,
      col("CertificateSubject_s", "string", "event.CertificateSubject", "Certificate subject"),
      col("SerialNumber_s", "string", "event.SerialNumber", "Certificate serial number"),
      col("Thumbprint_s", "string", "event.Thumbprint", "Certificate SHA-1 thumbprint"),
      col("TemplateName_s", "string", "event.TemplateName", "Certificate template"),
    ],
  },
  EZMonitor_Alerts: {
    name: "EZMonitor_Alerts_CL",
    sourcetype: "EZMonitor_Alerts",
    stream: "Custom-EZMonitor_Alerts_CL",
    idColumn: "VulnerabilityID_d",
    columns: [
      ...COMMON_HEAD,
      col("VulnerabilityID_d", "real", "event.VulnerabilityID", "EZMonitor alert (vulnerability) id"),
      ...COMMON_TAIL,
      col("AlertCategory_s", "string", "event.AlertCategory", "Alert family"),
      col("Domain_s", "string", "event.Domain", "Domain the alert is about"),
      col("Endpoint_s", "string", "event.Endpoint", "Scanned endpoint (host:port)"),
      col("Thumbprint_s", "string", "event.Thumbprint", "Certificate SHA-1 thumbprint"),
      col("Issuer_s", "string", "event.Issuer", "Certificate issuer"),
      col("NotAfter_s", "string", "event.NotAfter", "Certificate expiry"),
    ],
  },
};

/** KQL scalar type for a Log Analytics column type (for schema strings like `(a:string, b:real)`). */
export function kqlTypeOf(type: LogAnalyticsType): string {
  return type === "dateTime" ? "datetime" : type;
}
