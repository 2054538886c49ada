/** The Kafka destination for Pulumi programs: the component and its settings. */
export { KafkaDestination, type KafkaDestinationArgs } from "./component";
export type { KafkaOutputs, KafkaSettings } from "./contract";
