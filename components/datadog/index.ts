/** The Datadog destination for Pulumi programs: the component and its settings. */
export { DatadogDestination, type DatadogDestinationArgs } from "./component";
export type { DatadogOutputs, DatadogSettings } from "./contract";
