/**
 * The contract every destination sink implements. In the spirit of opentelemetry-js
 * exporter-base and Vector sinks: a sink declares its limits and supplies two functions,
 * "encode a batch" and "send a batch, classify the outcome". Batching, durability, retries,
 * splitting, dead-lettering and counters are shared (exporter.ts).
 */
import type { Envelope } from "../../components/catalog/envelope";

/** An event as sinks see it: the validated envelope and its compact JSON as spooled, computed once. */
export interface SinkEvent {
  env: Envelope;
  json: string;
  /**
   * The sink's own form of the event (its shape, serialised or not), which the sink may store here
   * while sizing it at the door and reuse in encode; absent on an event read back from the spool.
   */
  shaped?: unknown;
}

export interface SinkLimits {
  /** Most events in one request. */
  maxEventsPerRequest: number;
  /** Most bytes in one request body, as the sink counts them (see eventBytes). */
  maxBytesPerRequest: number;
  /** Largest single event; larger events are dead-lettered at the door. */
  maxBytesPerEvent: number;
  /** Events in one request must lie within this span of time (e.g. 24 h for PutLogEvents). */
  maxBatchSpanMs?: number;
  /** Whether events in a request must be in time order (the pipeline sorts them). */
  sortByTime?: boolean;
  /** Oldest event time accepted, relative to now (e.g. 14 days for PutLogEvents); older ones are dead-lettered. */
  maxEventAgeMs?: number;
  /** Furthest event time in the future accepted (e.g. 2 h for PutLogEvents). */
  maxEventFutureMs?: number;
  /** Most requests in flight this destination supports (e.g. 1 to keep keyed records in order). */
  maxInFlight?: number;
}

/**
 * How a request ended, as the sink reads the destination's answer. The one question that decides
 * between `permanent` and `stop`: does the answer condemn these events, or the sender itself?
 */
export type SendOutcome =
  | { kind: "ok" }
  /** Transient (throttling, 5xx, network): retry with backoff, at least retryAfterMs later if given. */
  | { kind: "retryable"; reason: string; retryAfterMs?: number }
  /** The events themselves will never be accepted as sent (bad request, invalid data): dead-letter them. */
  | { kind: "permanent"; reason: string }
  /**
   * The destination refused the sender, not the events (a rejected or missing credential, a log
   * group, topic, DCR or URL that does not exist): stop the run. Nothing is dead-lettered: this
   * batch, the batches in flight and everything queued stay in the spool for the run after the fix.
   */
  | { kind: "stop"; reason: string }
  /** The request was too large: split the batch in halves and retry them. */
  | { kind: "too-large"; reason: string }
  /**
   * Some events were rejected while the rest was accepted (indexes into the batch); retryable
   * ones are resent, at least retryAfterMs later if the destination asked (e.g. a throttled call).
   */
  | {
      kind: "partial";
      rejected: { index: number; reason: string; retryable: boolean }[];
      retryAfterMs?: number;
    };

export interface Sink<Encoded = unknown> {
  /** Destination name, its key; used in messages and file names. */
  readonly name: string;
  readonly limits: SinkLimits;
  /**
   * False when encode reads only `json` or `shaped` (falling back to `env` without `shaped`): the
   * pipeline then lets go of each parsed envelope once its event is spooled, so the events waiting
   * to be sent hold no second copy of themselves (a later `env` read parses the JSON again).
   */
  readonly needsEnvelope?: boolean;
  /** Size of one event as this sink counts it toward maxBytesPerRequest (incl. per-event overhead). */
  eventBytes(event: SinkEvent): number;
  /**
   * Why this destination cannot store the event as it is (e.g. a field its shape has no room
   * for), checked at the door; undefined when it can. Optional: most destinations take any envelope.
   */
  unfit?(event: SinkEvent): string | undefined;
  /** Turns a batch into what `send` puts on the wire. Pure. */
  encode(batch: readonly SinkEvent[]): Encoded;
  /** Sends one encoded batch and classifies the answer. Must not throw for destination errors. */
  send(payload: Encoded, batch: readonly SinkEvent[], signal: AbortSignal): Promise<SendOutcome>;
  /** Releases connections. */
  close(): Promise<void>;
}
