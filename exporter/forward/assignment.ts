/**
 * The partitions this forwarder owns in the group's current generation, one ledger each; the
 * offset commits (one at a time, in order) of what the ledgers allow; their lag. A new generation
 * (rebalance, consumer restart) retires the ledgers: kafkajs then reads every partition from the
 * group's last commit, so the events held before are read again (at-least-once, never past).
 */
import type { Admin, Consumer } from "kafkajs";
import { PartitionLedger } from "./ledger";
import type { PartitionStatus } from "./status";

export class Assignment {
  private ledgers = new Map<number, PartitionLedger>();
  /**
   * Each partition's ledger of the generation before, until the partition is read again: what it
   * left undelivered (dropped when it was retired) must be read again, not skipped.
   */
  private readonly before = new Map<number, PartitionLedger>();
  private commits: Promise<void> = Promise.resolve();
  /** Generations this forwarder left behind. */
  rebalances = 0;
  /** Partitions read again from an earlier offset within a generation. */
  rewinds = 0;
  /** Why the last commit failed (it is tried again at the next one), if it did. */
  commitError: string | undefined;

  constructor(
    private readonly topic: string,
    private readonly consumer: Pick<Consumer, "commitOffsets">,
  ) {}

  /**
   * The partition's ledger in this generation; a new one starts at the first offset read. Or,
   * when reading resumes past what this process's ledger before left unsettled (kafkajs's fetch
   * position is its own, not the group's commit), the offset to seek back to: a ledger that
   * started there would commit past events that were dropped undelivered.
   */
  ledgerOf(partition: number, firstOffset: number): PartitionLedger | { seekTo: number } {
    const before = this.before.get(partition);
    if (before && !this.ledgers.has(partition)) {
      this.before.delete(partition);
      const point = before.commitPoint ?? before.startedAt;
      if (firstOffset > point) return { seekTo: point };
    }
    let ledger = this.ledgers.get(partition);
    // Reading went back (kafkajs rewinds only to the group's commit): start over from there; the
    // ledger before cannot order what it reads now, so it commits no more.
    if (ledger?.isBehind(firstOffset)) {
      ledger.revoked = true;
      ledger = undefined;
      this.rewinds++;
    }
    if (!ledger) {
      ledger = new PartitionLedger(partition, firstOffset);
      this.ledgers.set(partition, ledger);
    }
    return ledger;
  }

  /** A new generation gave this process these partitions: the others' commits are their new owners'. */
  assigned(partitions: readonly number[]): void {
    for (const p of this.before.keys()) if (!partitions.includes(p)) this.before.delete(p);
  }

  /** Events taken from the partition and not settled. */
  unsettledOf(partition: number): number {
    return this.ledgers.get(partition)?.unsettled ?? 0;
  }

  /** The partitions with at least `n` events not settled. */
  spanning(n: number): number[] {
    return [...this.ledgers.values()].filter((l) => l.unsettled >= n).map((l) => l.partition);
  }

  /** Ends the generation: its ledgers are revoked (they commit no more) and returned. */
  retire(): PartitionLedger[] {
    const old = [...this.ledgers.values()];
    if (old.length === 0) return old;
    this.ledgers = new Map();
    this.rebalances++;
    for (const l of old) {
      l.revoked = true;
      this.before.set(l.partition, l);
    }
    return old;
  }

  /**
   * Commits each ledger's commit point where it moved: this generation's (as they are when the
   * commit's turn comes: a ledger retired meanwhile commits no more), or the retired ones given.
   */
  commit(retired?: readonly PartitionLedger[]): Promise<void> {
    this.commits = this.commits.then(async () => {
      const ledgers = retired ?? [...this.ledgers.values()];
      const due = ledgers.flatMap((l) => {
        const offset = l.toCommit();
        return offset === undefined ? [] : [{ l, offset }];
      });
      if (due.length === 0) return;
      try {
        await this.consumer.commitOffsets(
          due.map(({ l, offset }) => ({ topic: this.topic, partition: l.partition, offset: String(offset) })),
        );
        for (const { l, offset } of due) l.committed = offset;
        this.commitError = undefined;
      } catch (err) {
        this.commitError = `offset commit failed (tried again): ${(err as Error).message}`;
      }
    });
    return this.commits;
  }

  /** The partitions' ends, for the lag of a partition that is paused or idle. */
  async refreshEnds(admin: Pick<Admin, "fetchTopicOffsets">): Promise<void> {
    try {
      for (const end of await admin.fetchTopicOffsets(this.topic)) {
        const l = this.ledgers.get(end.partition);
        if (l) l.highWatermark = Math.max(l.highWatermark, Number(end.high));
      }
    } catch {
      // The lag stays as last seen; the consumer reports a broker that is down.
    }
  }

  status(): PartitionStatus[] {
    return [...this.ledgers.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((l) => ({
        partition: l.partition,
        lag: l.lag,
        unsettled: l.unsettled,
        ...(l.committed === undefined ? {} : { committed: l.committed }),
      }));
  }
}
