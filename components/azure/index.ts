/** The Azure Log Analytics / Sentinel destination for Pulumi programs: the component and its settings. */
export {
  AzureDestination,
  type AzureDestinationArgs,
  SentinelDestination,
  type SentinelDestinationArgs,
} from "./component";
export type { AzureOutputs, AzureSettings } from "./contract";
