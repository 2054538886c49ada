/**
 * The dead-letter topic (`<topic>.deadletter` by default): events that fail validation at the door
 * or that the destination rejects for good are produced there, with why in headers, before their
 * offsets count as settled; so the partition goes on, and nothing is committed past an event the
 * dead-letter topic does not hold yet. Writes are retried with backoff until they succeed or the
 * run stops; a refused principal or a missing topic stops the forwarder (`onRefused`).
 */
import type { IHeaders, Producer } from "kafkajs";
import type { DeadLetterCause } from "../pipeline/dead-letter";
import { DEFAULT_RETRY, nextDelayMs } from "../pipeline/retry";
import { sleep } from "../pipeline/retrying-sender";

/** Header names on a dead-lettered record (its own headers are kept too). */
export const DEAD_LETTER_HEADERS = {
  cause: "keytos-dead-letter-cause",
  reason: "keytos-dead-letter-reason",
  destination: "keytos-dead-letter-destination",
  topic: "keytos-source-topic",
  partition: "keytos-source-partition",
  offset: "keytos-source-offset",
} as const;

export interface DeadRecord {
  key: Buffer | null;
  value: Buffer | string;
  headers: IHeaders;
  cause: DeadLetterCause;
  reason: string;
  source: { topic: string; partition: number; offset: number };
  /** Called once the record is written (acks=all). */
  written: () => void;
}

/** Kafka's answers that mean this principal may not write the topic, or the topic is missing. */
const REFUSED = new Set([
  "TOPIC_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "UNKNOWN_TOPIC_OR_PARTITION",
]);

export class DeadLetterTopic {
  private pending: DeadRecord[] = [];
  private writing: Promise<void> | undefined;
  /** Records written. */
  written = 0;

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    private readonly destination: string,
    private readonly stopSignal: AbortSignal,
    private readonly onError: (message: string, refused: boolean) => void,
  ) {}

  /** Records waiting to be written. */
  get backlog(): number {
    return this.pending.length;
  }

  add(record: DeadRecord): void {
    this.pending.push(record);
    this.kick();
  }

  /** Resolves once every record added so far is written, or the run stopped. */
  async drained(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private kick(): void {
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0 && !this.stopSignal.aborted) this.kick();
    });
  }

  private async writeAll(): Promise<void> {
    for (let attempt = 0; this.pending.length > 0 && !this.stopSignal.aborted; ) {
      const batch = this.pending.slice(0, 500);
      try {
        await this.producer.send({
          topic: this.topic,
          acks: -1,
          messages: batch.map((r) => ({ key: r.key, value: r.value, headers: this.headersOf(r) })),
        });
      } catch (err) {
        const type = (err as { type?: string }).type ?? "";
        const refused = REFUSED.has(type);
        this.onError(
          refused
            ? `cannot write the dead-letter topic ${this.topic} (${type}): create it and grant the forwarder Write on it (the Kafka component does with forwarderUsername)`
            : `dead-letter topic ${this.topic}: ${(err as Error).message}`,
          refused,
        );
        if (refused) return;
        await sleep(nextDelayMs(attempt++, DEFAULT_RETRY), this.stopSignal);
        continue;
      }
      attempt = 0;
      this.pending.splice(0, batch.length);
      this.written += batch.length;
      for (const r of batch) r.written();
    }
  }

  private headersOf(r: DeadRecord): IHeaders {
    return {
      ...r.headers,
      [DEAD_LETTER_HEADERS.cause]: r.cause,
      [DEAD_LETTER_HEADERS.reason]: r.reason,
      [DEAD_LETTER_HEADERS.destination]: this.destination,
      [DEAD_LETTER_HEADERS.topic]: r.source.topic,
      [DEAD_LETTER_HEADERS.partition]: String(r.source.partition),
      [DEAD_LETTER_HEADERS.offset]: String(r.source.offset),
    };
  }
}
