import { compareSequence } from '../consumer';
import { type ShardLag, summarizeLag } from './lag';
import type { LogRecord } from './records';

interface Seen {
  readonly sequenceNumber: string;
  readonly arrivedAt: number;
}

/**
 * The newest records of one shard as a follower saw them (sequence number and arrival time only), so
 * every subscription's lag on the shard is counted from memory instead of one read per subscription.
 * Pure: the reads that feed it are `LagTracker`'s. Bounded to `capacity` records per shard; a
 * checkpoint older than what is kept counts as "at least" (`capped`), as `measureShardLag` does.
 */
export class ShardWindow {
  private readonly seen: Seen[] = [];
  /** Older records fell out of the window (or were never read: the follower began after `base`). */
  private dropped = false;
  /** The follower has read up to the shard's tip (or a closed shard's end) on its last read. */
  atTip = false;

  /**
   * @param base the sequence number the follower started after; undefined: from the oldest record
   *   (TRIM_HORIZON), so nothing before the window exists.
   */
  constructor(
    readonly shardId: string,
    private readonly base: string | undefined,
    private readonly capacity: number,
  ) {}

  /** Where the next read starts after: the newest record seen, else `base`. */
  get resumeAfter(): string | undefined {
    return this.seen.at(-1)?.sequenceNumber ?? this.base;
  }

  /** Adds a page read after `resumeAfter`, in order; keeps the newest `capacity`. */
  append(page: readonly LogRecord[]): void {
    for (const r of page) this.seen.push({ sequenceNumber: r.sequenceNumber, arrivedAt: r.arrivedAt });
    if (this.seen.length > this.capacity) {
      this.seen.splice(0, this.seen.length - this.capacity);
      this.dropped = true;
    }
  }

  /** Whether records between `checkpoint` (undefined: before everything) and the window went unread. */
  private before(checkpoint: string | undefined): boolean {
    // Dropped records all precede the first kept one; unread ones are at or before `base`.
    const first = this.dropped ? this.seen[0]?.sequenceNumber : this.base;
    if (first === undefined) return false;
    return checkpoint === undefined || compareSequence(checkpoint, first) < 0;
  }

  /**
   * Lag after `checkpoint` (undefined: nothing applied yet) as far as the window saw. `capped` when
   * the count is a lower bound: the checkpoint is older than the window, or the follower has not
   * reached the tip yet.
   */
  lag(checkpoint: string | undefined, now: number): ShardLag {
    const after =
      checkpoint === undefined
        ? this.seen
        : this.seen.filter((r) => compareSequence(r.sequenceNumber, checkpoint) > 0);
    const capped = !this.atTip || this.before(checkpoint);
    return summarizeLag(
      this.shardId,
      {
        count: after.length,
        capped,
        ...(after[0] && { oldestAt: after[0].arrivedAt }),
        ...(this.seen.at(-1) && { newestAt: this.seen.at(-1)?.arrivedAt }),
      },
      now,
    );
  }
}
