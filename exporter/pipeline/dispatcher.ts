/**
 * The dispatcher: a fixed number of slots for requests in flight, one job (a batch's delivery)
 * per slot, and the run's stop state: halted (a `stop` answer: batches not yet settled stay in
 * the spool) or aborted (close: requests in flight are cancelled through `signal`).
 */

export class Dispatcher {
  private running = 0;
  private halted: string | undefined;
  private readonly abortController = new AbortController();
  private readonly stopController = new AbortController();
  private waiters: (() => void)[] = [];

  /** Slots: the configured number, capped by what the destination supports. */
  readonly maxInFlight: number;

  constructor(maxInFlight: number, sinkMaxInFlight = Number.POSITIVE_INFINITY) {
    this.maxInFlight = Math.min(maxInFlight, sinkMaxInFlight);
  }

  /** Aborts when the run is aborted; requests and retry sleeps listen to it. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  /**
   * Aborts when the run halts or is aborted: retry sleeps listen to it, so a halt does not wait
   * out a backoff. Requests in flight are left to finish (they may still be accepted).
   */
  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Jobs running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Why the run halted, if it did. */
  get haltReason(): string | undefined {
    return this.halted;
  }

  /** Halted or aborted: no new job starts, jobs running stop at their next step. */
  get stopped(): boolean {
    return this.halted !== undefined || this.abortController.signal.aborted;
  }

  /** Whether a job may start now. */
  get hasSlot(): boolean {
    return this.running < this.maxInFlight && !this.stopped;
  }

  /**
   * Runs a job in a free slot (throws if there is none). Resolves when it ends, with the error it
   * threw if it did: a job's failure is reported, never left unhandled.
   */
  run(job: () => Promise<void>): Promise<Error | undefined> {
    if (!this.hasSlot) throw new Error(this.stopped ? "dispatcher stopped" : "no free slot");
    this.running++;
    let done: Promise<void>;
    try {
      done = job();
    } catch (err) {
      done = Promise.reject(err);
    }
    return done.then(
      () => this.end(undefined),
      (err: unknown) => this.end(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** Stops the run for `reason`; the first reason is kept (it is the one the user must fix). */
  halt(reason: string): void {
    this.halted ??= reason;
    this.stopController.abort();
  }

  abort(): void {
    this.abortController.abort();
    this.stopController.abort();
  }

  /** Resolves when the next job ends, or at once when none runs. */
  settled(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once no job runs. */
  async idle(): Promise<void> {
    while (this.running > 0) await this.settled();
  }

  private end(error: Error | undefined): Error | undefined {
    this.running--;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    return error;
  }
}
