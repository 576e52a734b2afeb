import type { LogReader, ShardInfo, ShardStart } from './log-reader';
import type { LogRecord } from './records';
import { ShardWindow } from './shard-window';

/** What one follower read cost, in calls, and brought. */
export interface FollowerRead {
  readonly getShardIterator: number;
  readonly getRecords: number;
  /** Records read that arrived at or after `since`: a backlog being caught up is not new traffic. */
  readonly arrived: number;
  /** The read found the shard closed although its listing said open: the shard list is stale. */
  readonly closed: boolean;
}

const startAfter = (sequenceNumber: string | undefined): ShardStart =>
  sequenceNumber === undefined ? { type: 'TRIM_HORIZON' } : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber };

/**
 * Follows one shard for `LagTracker`: reads only what arrived after what it saw, into its window.
 * With `LogReader.page` it keeps the shard iterator between reads, so a read is one GetRecords call;
 * an iterator that expired (Kinesis: 5 minutes unused) is replaced by one after the last record seen.
 */
export class ShardFollower {
  readonly window: ShardWindow;
  /** A closed shard read to its end: nothing more to read, ever. */
  private ended = false;
  private next: string | undefined;

  /** @param base the lowest checkpoint of the shard's subscriptions when first seen (undefined: from the oldest record). */
  constructor(
    private readonly topic: string,
    readonly shardId: string,
    base: string | undefined,
    capacity: number,
  ) {
    this.window = new ShardWindow(shardId, base, capacity);
  }

  /** Reads up to `budget` pages of what is new; `info` is the shard's latest listing. */
  async read(reader: LogReader, info: ShardInfo, budget: number, since: number): Promise<FollowerRead> {
    if (this.ended) return { getShardIterator: 0, getRecords: 0, arrived: 0, closed: false };
    const count = (page: readonly LogRecord[]) => page.filter((r) => r.arrivedAt >= since).length;
    const read = reader.page
      ? await this.readPages(reader, budget, count)
      : await this.readGenerator(reader, budget, count);
    this.window.atTip = read.atTip;
    if (read.atTip && info.endingSequenceNumber !== undefined) this.ended = true;
    return { ...read, closed: read.atTip && read.closed && info.endingSequenceNumber === undefined };
  }

  private async readPages(reader: LogReader, budget: number, count: (page: readonly LogRecord[]) => number) {
    const cost = { getShardIterator: 0, getRecords: 0, arrived: 0, atTip: false, closed: false };
    for (let pages = 0; pages < budget && !cost.atTip; pages++) {
      const resume = this.next;
      if (!resume) cost.getShardIterator += 1;
      cost.getRecords += 1;
      const from = resume ? { next: resume } : startAfter(this.window.resumeAfter);
      const page = await reader.page?.(this.topic, this.shardId, from).catch((error: unknown) => {
        // Only a kept iterator may fail quietly (expired): a read from a position that fails fails the sample.
        if (!resume) throw error;
        return undefined;
      });
      this.next = page?.next;
      if (!page) continue;
      this.window.append(page.records);
      cost.arrived += count(page.records);
      cost.atTip = page.atTip;
      cost.closed = page.atTip && page.next === undefined;
    }
    return cost;
  }

  /** Without `LogReader.page`: a `read` from after the last record seen, to the tip or the budget. */
  private async readGenerator(
    reader: LogReader,
    budget: number,
    count: (page: readonly LogRecord[]) => number,
  ) {
    const cost = { getShardIterator: 1, getRecords: 0, arrived: 0, atTip: true, closed: false };
    for await (const page of reader.read(this.topic, this.shardId, startAfter(this.window.resumeAfter))) {
      this.window.append(page);
      cost.getRecords += 1;
      cost.arrived += count(page);
      // One page past the budget: only a read that comes back empty shows the tip was reached.
      if (cost.getRecords > budget) {
        cost.atTip = false;
        break;
      }
    }
    // Reaching the tip takes one more GetRecords call, the one that comes back empty.
    if (cost.atTip) cost.getRecords += 1;
    return cost;
  }
}
