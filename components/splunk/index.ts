/** The Splunk destination for Pulumi programs: the component and its settings. */
export { SplunkDestination, type SplunkDestinationArgs } from "./component";
export type { SplunkOutputs, SplunkSettings } from "./contract";
