/**
 * The door: one input line becomes an admitted event (what the spool stores, with the envelope
 * already parsed and its size as the sink counts it) or a reason to dead-letter the line; lines
 * in bulk become chunks for the spool's commits. Pure: nothing is written here.
 */
import { checkEnvelope, type Envelope } from "../../components/catalog/envelope";
import type { DeadLetterCause } from "./dead-letter";
import type { Sink, SinkEvent } from "./sink";
import type { SpoolEvent } from "./spool";

/** What the door needs to know about the destination. */
export type Door = Pick<Sink, "name" | "limits" | "eventBytes" | "unfit" | "needsEnvelope">;

/**
 * An event that passed the door: a spool row (`body`, `bytes` in UTF-8) and a sink event (`env`,
 * `json`) at once, so the sink sizes it without a wrapper; `size` is that size, kept for the queue.
 * For a sink that encodes without the envelope, the parsed envelope is let go once the door is
 * done with it: it then dies young instead of waiting out the spool's sync (read again, `env`
 * parses the JSON).
 */
export class AdmittedEvent implements SpoolEvent, SinkEvent {
  /** Size as the sink counts it (eventBytes). */
  size = 0;
  shaped: unknown = undefined;
  constructor(
    readonly id: string,
    readonly body: string,
    readonly bytes: number,
    private parsed: Envelope | undefined,
  ) {}
  get json(): string {
    return this.body;
  }
  get env(): Envelope {
    this.parsed ??= JSON.parse(this.body) as Envelope;
    return this.parsed;
  }
  /** The envelope as parsed at the door, if still held. */
  get heldEnvelope(): Envelope | undefined {
    return this.parsed;
  }
  letGoOfEnvelope(): void {
    this.parsed = undefined;
  }
}

/** Why a line was refused: the kind (counted in the summary) and the details. */
export interface Refusal {
  cause: DeadLetterCause;
  reason: string;
}

/**
 * Parses, validates and sizes one line. Undefined for a blank line (skipped, not an error).
 * Admissions are returned bare, not wrapped: this runs once per event.
 */
export function admit(line: string, sink: Door, now?: number): AdmittedEvent | Refusal | undefined {
  const trimmed = line.trim();
  if (trimmed === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    return { cause: "malformedJson", reason: `not valid JSON: ${(err as Error).message}` };
  }
  // Whatever throws on the way (a sink's sizing) refuses the line, not the whole call.
  try {
    const checked = checkEnvelope(value);
    if (!checked.ok)
      return { cause: "invalidEnvelope", reason: `not a valid event envelope: ${checked.reason}` };
    const env = checked.envelope;
    // Plain JSON.stringify (keys in schema order, deterministic for a given input): the sorted-key
    // serialiser cost twice as much, and nothing downstream depends on key order.
    const json = JSON.stringify(env);
    const event = new AdmittedEvent(env.event.RecordId, json, Buffer.byteLength(json), env);
    const unfit = sink.unfit?.(event);
    if (unfit !== undefined) return { cause: "invalidEnvelope", reason: unfit };
    event.size = sink.eventBytes(event);
    if (event.size > sink.limits.maxBytesPerEvent) {
      return {
        cause: "tooLarge",
        reason: `event is ${event.size} bytes; ${sink.name} accepts at most ${sink.limits.maxBytesPerEvent} per event`,
      };
    }
    const late = checkTime(env.time * 1000, sink, now);
    if (late) return late;
    if (sink.needsEnvelope === false) event.letGoOfEnvelope();
    return event;
  } catch (err) {
    return {
      cause: "invalidEnvelope",
      reason: `${sink.name} cannot encode the event: ${(err as Error).message}`,
    };
  }
}

/**
 * Admitted events grouped for one spool commit, with their total size in bytes; every line before
 * index `through` is in it, in an earlier chunk, refused (yielded before it) or blank.
 */
export interface Chunk {
  rows: AdmittedEvent[];
  bytes: number;
  through: number;
}

/** A line refused at the door, to dead-letter as received. */
export interface RefusedLine extends Refusal {
  line: string;
}

/**
 * Admits lines in order and yields the admitted events in chunks of at most chunkBytes (a lone
 * larger event makes its own chunk), and each refused line as it comes. Lazy: a consumer that
 * waits on one chunk (back-pressure) holds the door for the rest.
 */
export function* admitLines(
  lines: readonly string[],
  sink: Door,
  chunkBytes: number,
): Generator<Chunk | RefusedLine, void, undefined> {
  let chunk: Chunk = { rows: [], bytes: 0, through: 0 };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const admitted = admit(line, sink);
    if (admitted === undefined) continue;
    if ("reason" in admitted) {
      yield { cause: admitted.cause, reason: admitted.reason, line };
      continue;
    }
    if (chunk.rows.length > 0 && chunk.bytes + admitted.bytes > chunkBytes) {
      chunk.through = i;
      yield chunk;
      chunk = { rows: [], bytes: 0, through: 0 };
    }
    chunk.rows.push(admitted);
    chunk.bytes += admitted.bytes;
  }
  chunk.through = lines.length;
  if (chunk.rows.length > 0) yield chunk;
}

/** The sink's timestamp window, checked at the door so one stale event cannot fail a batch. */
export function checkTime(
  ms: number,
  sink: Pick<Door, "name" | "limits">,
  now?: number,
): Refusal | undefined {
  const { maxEventAgeMs, maxEventFutureMs } = sink.limits;
  if (maxEventAgeMs === undefined && maxEventFutureMs === undefined) return undefined;
  const at = now ?? Date.now();
  // No closure per event: under tsx every closure creation also pays a naming helper.
  if (maxEventAgeMs !== undefined && ms < at - maxEventAgeMs) {
    return {
      cause: "tooOld",
      reason: `event time ${new Date(ms).toISOString()} is older than ${sink.name} accepts (${maxEventAgeMs / 3_600_000} h)`,
    };
  }
  if (maxEventFutureMs !== undefined && ms > at + maxEventFutureMs) {
    return {
      cause: "tooNew",
      reason: `event time ${new Date(ms).toISOString()} is further in the future than ${sink.name} accepts (${maxEventFutureMs / 3_600_000} h)`,
    };
  }
  return undefined;
}
