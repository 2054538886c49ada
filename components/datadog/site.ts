/**
 * Datadog sites and their endpoints (the logs intake differs per site; a key from one site is
 * rejected by another). Pure, shared by the component (outputs) and the sink.
 */
export const DATADOG_SITES = [
  "datadoghq.com",
  "us3.datadoghq.com",
  "us5.datadoghq.com",
  "datadoghq.eu",
  "ap1.datadoghq.com",
  "ap2.datadoghq.com",
  "uk1.datadoghq.com",
  "ddog-gov.com",
  "us2.ddog-gov.com",
] as const;
export type DatadogSite = (typeof DATADOG_SITES)[number];

/** Logs intake v2 URL for a site, e.g. https://http-intake.logs.datadoghq.eu/api/v2/logs. */
export function datadogIntakeUrl(site: DatadogSite): string {
  return `https://http-intake.logs.${site}/api/v2/logs`;
}

/** API base URL for a site (validate key, search logs, monitors). */
export function datadogApiUrl(site: DatadogSite): string {
  return `https://api.${site}`;
}
