/**
 * A CloudWatch Logs event: the envelope itself is the message, so the metric filters' `$.source`
 * and `$.event.EventID` match. What both senders send and the alert checks evaluate.
 */
import type { Envelope } from "../catalog/envelope";
import { stableJson } from "../catalog/json";

export interface CloudWatchLogEvent {
  /** Milliseconds since epoch. */
  timestamp: number;
  message: string;
}

/** `json`: the envelope's JSON when the caller already has it (the exporter's spooled text). */
export function toCloudWatchEvent(env: Envelope, json?: string): CloudWatchLogEvent {
  return { timestamp: Math.round(env.time * 1000), message: json ?? stableJson(env) };
}
