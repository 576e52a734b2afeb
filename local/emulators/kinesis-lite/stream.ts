import { invalidArgument, KinesisApiError } from './errors';
import type { SequenceClock } from './sequence';
import { type HashRange, holds, initialRanges } from './shards/hash';
import { isOpen, type MemoryShard, type StoredRecord, shardIdOf } from './shards/shard';

/** AWS's default and minimum retention. */
export const DEFAULT_RETENTION_HOURS = 24;
const TRIM_EVERY_MS = 60_000;

/** One record to store: its hash key (from the partition key or ExplicitHashKey) and the wire's fields. */
export interface PutEntry {
  readonly hash: bigint;
  readonly partitionKey: string;
  readonly data: string;
}

/** Where a record went. */
export interface StoredPut {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly arrival: number;
}

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING';

/** How long a stream stays CREATING or UPDATING (kinesis-mock's defaults are 500 ms each). */
export interface StatusDelays {
  readonly createMs: number;
  readonly updateMs: number;
}

/**
 * One stream held in memory. A reshard takes effect at once (the parent closes, its children open and
 * take the puts), with the stream UPDATING for `updateMs`, as kinesis-mock does it; a second reshard
 * while UPDATING is refused, as on AWS.
 */
export class MemoryStream {
  status: StreamStatus = 'CREATING';
  readonly shards: MemoryShard[] = [];
  /** How long records are kept (IncreaseStreamRetentionPeriod); older ones are trimmed. */
  retentionHours = DEFAULT_RETENTION_HOURS;
  /** Arrival of the newest record: arrivals never go backwards, so AT_TIMESTAMP can binary-search them. */
  lastArrival = 0;
  private lastTrim = 0;

  /** `shards`: a count for CreateStream, or the shards of a compacted journal (then ACTIVE at once). */
  constructor(
    readonly name: string,
    readonly arn: string,
    shards: number | readonly MemoryShard[],
    private readonly clock: SequenceClock,
    private readonly delays: StatusDelays,
    readonly createdAt = Date.now(),
  ) {
    if (typeof shards !== 'number') {
      this.shards.push(...shards);
      this.status = 'ACTIVE';
      return;
    }
    for (const range of initialRanges(shards)) this.open(range);
    this.settleAfter(delays.createMs);
  }

  shard(id: string): MemoryShard {
    const shard = this.shards.find((s) => s.id === id);
    if (!shard)
      throw new KinesisApiError(
        'ResourceNotFoundException',
        `Could not find shardId ${id} in stream ${this.name}`,
      );
    return shard;
  }

  get openShards(): MemoryShard[] {
    return this.shards.filter(isOpen);
  }

  /** Stores each record in the open shard whose hash range holds its hash; one arrival time for all. */
  putAll(entries: readonly PutEntry[]): StoredPut[] {
    if (this.status === 'CREATING')
      throw new KinesisApiError('ResourceInUseException', `Stream ${this.name} is still CREATING`);
    const now = Date.now();
    this.trim(now);
    this.lastArrival = Math.max(this.lastArrival, now);
    const open = this.openShards;
    return entries.map((e) => {
      const shard = open.find((s) => holds(s.range, e.hash));
      if (!shard) throw new Error(`no open shard holds hash ${e.hash} in ${this.name}`);
      const record: StoredRecord = {
        sequenceNumber: this.clock.next(),
        partitionKey: e.partitionKey,
        data: e.data,
        arrival: this.lastArrival,
      };
      shard.records.push(record);
      return { shardId: shard.id, sequenceNumber: record.sequenceNumber, arrival: record.arrival };
    });
  }

  /** Replays a journaled record as it was stored (its shard, number and arrival). */
  restore(shardId: string, record: StoredRecord): void {
    this.shard(shardId).records.push(record);
    this.clock.advanceTo(record.sequenceNumber);
    this.lastArrival = Math.max(this.lastArrival, record.arrival);
  }

  /**
   * Drops records older than the retention period from the front of each shard, at most once a
   * minute (a record lives up to a minute past its retention, as AWS's trimming is not instant either).
   * Returns how many it dropped.
   */
  trim(now: number): number {
    if (now - this.lastTrim < TRIM_EVERY_MS) return 0;
    this.lastTrim = now;
    const horizon = now - this.retentionHours * 3_600_000;
    let dropped = 0;
    for (const shard of this.shards) {
      let drop = 0;
      while (drop < shard.records.length && (shard.records[drop]?.arrival ?? now) < horizon) drop += 1;
      if (drop === 0) continue;
      shard.records.splice(0, drop);
      shard.trimmed += drop;
      dropped += drop;
    }
    return dropped;
  }

  /**
   * UNIFORM_SCALING as a set of splits (going up: the lowest-hash shards split at their midpoints) or
   * merges (going down: adjacent pairs from the lowest hash), so every child names its parents as a
   * split or merge would. Like AWS and kinesis-mock, one call may at most double or halve the count.
   */
  scale(target: number): void {
    const open = [...this.openShards].sort((a, b) => (a.range.start < b.range.start ? -1 : 1));
    const count = open.length;
    if (target > count * 2 || target < Math.ceil(count / 2))
      throw invalidArgument(
        `TargetShardCount ${target} must be between half and double of ${count} open shards`,
      );
    if (target === count) throw invalidArgument(`The stream already has ${count} open shards`);
    this.openForReshard(open[0]?.id ?? '');
    if (target > count)
      for (const shard of open.slice(0, target - count))
        this.splitAt(shard, shard.range.start + (shard.range.end - shard.range.start + 1n) / 2n);
    else
      for (let i = 0; i < count - target; i++) {
        const [a, b] = [open[2 * i], open[2 * i + 1]];
        if (a && b) this.mergeShards(a, b);
      }
    this.updating();
  }

  /** Closes `shardId` and opens two children split at `newStart` (the second child's first hash key). */
  split(shardId: string, newStart: bigint): void {
    const parent = this.openForReshard(shardId);
    if (newStart <= parent.range.start || newStart > parent.range.end)
      throw invalidArgument(
        `NewStartingHashKey ${newStart} is not inside ${shardId}'s hash range (${parent.range.start}, ${parent.range.end}]`,
      );
    this.splitAt(parent, newStart);
    this.updating();
  }

  private splitAt(parent: MemoryShard, newStart: bigint): void {
    this.close(parent);
    this.open({ start: parent.range.start, end: newStart - 1n }, parent.id);
    this.open({ start: newStart, end: parent.range.end }, parent.id);
  }

  /** Closes two adjacent open shards and opens one child over both ranges. */
  merge(shardId: string, adjacentId: string): void {
    const [a, b] = [this.openForReshard(shardId), this.openForReshard(adjacentId)];
    if (a.range.end + 1n !== b.range.start && b.range.end + 1n !== a.range.start)
      throw invalidArgument(`Shards ${shardId} and ${adjacentId} are not adjacent`);
    this.mergeShards(a, b);
    this.updating();
  }

  private mergeShards(a: MemoryShard, b: MemoryShard): void {
    this.close(a);
    this.close(b);
    const range = { start: a.range.start < b.range.start ? a.range.start : b.range.start, end: 0n };
    this.open({ ...range, end: a.range.end > b.range.end ? a.range.end : b.range.end }, a.id, b.id);
  }

  private openForReshard(shardId: string): MemoryShard {
    if (this.status !== 'ACTIVE')
      throw new KinesisApiError('ResourceInUseException', `Stream ${this.arn} is not currently ACTIVE.`);
    const shard = this.shard(shardId);
    if (!isOpen(shard)) throw new KinesisApiError('ResourceInUseException', `Shard ${shardId} is not open`);
    return shard;
  }

  private open(range: HashRange, parent?: string, adjacentParent?: string): void {
    this.shards.push({
      id: shardIdOf(this.shards.length),
      range,
      ...(parent !== undefined && { parent }),
      ...(adjacentParent !== undefined && { adjacentParent }),
      startingSequenceNumber: this.clock.next(),
      records: [],
      trimmed: 0,
    });
  }

  /** AWS's ending number: above every record of the shard and below its children's starting numbers. */
  private close(shard: MemoryShard): void {
    shard.endingSequenceNumber = this.clock.next();
  }

  private updating(): void {
    this.status = 'UPDATING';
    this.settleAfter(this.delays.updateMs);
  }

  /** Replay: the change took effect long ago, so the stream is ACTIVE now. */
  settle(): void {
    this.status = 'ACTIVE';
  }

  private settleAfter(ms: number): void {
    setTimeout(() => {
      this.status = 'ACTIVE';
    }, ms).unref();
  }
}
