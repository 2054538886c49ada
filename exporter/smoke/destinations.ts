/** The destinations the smoke test checks (no client code: the CLI loads it at start). */
export const SMOKE_DESTINATIONS = ["cloudwatch", "datadog", "azure", "kafka"] as const;
export type SmokeDestination = (typeof SMOKE_DESTINATIONS)[number];
