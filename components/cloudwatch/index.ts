/** The CloudWatch destination for Pulumi programs: the component and its settings. */
export { CloudWatchDestination, type CloudWatchDestinationArgs } from "./component";
export type { CloudWatchOutputs, CloudWatchSettings } from "./contract";
