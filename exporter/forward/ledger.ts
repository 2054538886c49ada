/**
 * Which offsets of a partition may be committed: the events taken from it, in the order fetched,
 * each settled once the destination acknowledged it or the dead-letter topic holds it. The commit
 * point is the offset of the first event not yet settled (or, when all are, the one after the
 * last offset fetched: control records and compacted gaps carry no event), so a commit never
 * passes an event that could still be lost. Pure: the forwarder commits what this computes.
 */

export class PartitionLedger {
  /** Offsets taken, in fetch order, from `head` on; settled ones leave from the front. */
  private readonly order: number[] = [];
  private head = 0;
  private readonly settledOffsets = new Set<number>();
  /** Last offset the consumer moved past (an event's, or a batch's last, control records included). */
  private fetchedThrough = -1;
  /** Offset committed by this process (the next to read), if any. */
  committed: number | undefined;
  /** End of the partition as last seen (the high watermark: the next offset to be written). */
  highWatermark = 0;
  /**
   * Set when the partition was taken away (rebalance, consumer restart): its queued events are
   * dropped and the forwarder commits for it no more (the next owner reads from the last commit).
   */
  revoked = false;

  constructor(
    readonly partition: number,
    /** The first offset read in this assignment: the group's committed offset, as far as this process knows. */
    readonly startedAt: number,
  ) {}

  /** Whether a batch starting at `offset` reads again what this ledger read already. */
  isBehind(offset: number): boolean {
    return offset <= this.fetchedThrough;
  }

  /** An event at `offset` was taken; it holds the commit point until settled. */
  take(offset: number): void {
    this.order.push(offset);
    this.fetchedThrough = Math.max(this.fetchedThrough, offset);
  }

  /** The consumer moved past `offset` (the batch's last, which may be a control record). */
  movedPast(offset: number): void {
    this.fetchedThrough = Math.max(this.fetchedThrough, offset);
  }

  /** The event at `offset` is settled: delivered, or held by the dead-letter topic. */
  settle(offset: number): void {
    this.settledOffsets.add(offset);
    while (this.head < this.order.length && this.settledOffsets.delete(this.order[this.head] as number))
      this.head++;
    // Let go of the settled front now and then (the array would otherwise grow for ever).
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Events taken and not settled. */
  get unsettled(): number {
    return this.order.length - this.head;
  }

  /** The offset a commit may name now (the next to read), or undefined when nothing was fetched. */
  get commitPoint(): number | undefined {
    if (this.head < this.order.length) return this.order[this.head] as number;
    return this.fetchedThrough >= 0 ? this.fetchedThrough + 1 : undefined;
  }

  /** The commit point if it is past what this process committed. */
  toCommit(): number | undefined {
    const point = this.commitPoint;
    if (point === undefined) return undefined;
    return point > (this.committed ?? this.startedAt) ? point : undefined;
  }

  /** Events between the last commit and the end of the partition: what a restart would read again or still has to read. */
  get lag(): number {
    return Math.max(0, this.highWatermark - (this.committed ?? this.startedAt));
  }
}
