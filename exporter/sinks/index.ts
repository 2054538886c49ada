/**
 * The destinations `keytos-siem send` delivers to and `smoke` checks, listed once. A new
 * destination is one folder under sinks/ and one entry here; the CLI's choices, help and smoke
 * loop come from this list. Only the descriptors load up front: a sink's client library (AWS SDK,
 * Azure SDK, kafkajs, undici) is required when that sink is created.
 */
import { azureSpec } from "./azure/spec";
import { cloudwatchSpec } from "./cloudwatch/spec";
import { datadogSpec } from "./datadog/spec";
import { httpSpec } from "./http/spec";
import { kafkaSpec } from "./kafka/spec";
import type { SinkSpec } from "./spec";
import { splunkSpec } from "./splunk/spec";

export const SINKS = [
  httpSpec,
  cloudwatchSpec,
  datadogSpec,
  azureSpec,
  kafkaSpec,
  splunkSpec,
] as const satisfies readonly SinkSpec[];
