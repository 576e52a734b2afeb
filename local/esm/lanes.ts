import { createHash } from 'node:crypto';
import type { KinesisStreamRecord } from 'aws-lambda';

/**
 * ParallelizationFactor N: Lambda runs up to N batches of one shard at once and keeps order per
 * partition key by sending a key only ever to the same one of N lanes. Which hash Lambda uses is not
 * documented; any stable one keeps the guarantee (one key, one lane, in order).
 */
export const laneOf = (partitionKey: string, lanes: number): number =>
  lanes <= 1 ? 0 : createHash('md5').update(partitionKey).digest().readUInt32BE(0) % lanes;

/** The records of each non-empty lane, in shard order, chunked into batches of at most `batchSize`. */
export const laneBatches = (
  records: readonly KinesisStreamRecord[],
  lanes: number,
  batchSize: number,
): KinesisStreamRecord[][][] => {
  const byLane = new Map<number, KinesisStreamRecord[]>();
  for (const record of records) {
    const lane = laneOf(record.kinesis.partitionKey, lanes);
    const laneRecords = byLane.get(lane);
    if (laneRecords) laneRecords.push(record);
    else byLane.set(lane, [record]);
  }
  return [...byLane.values()].map((laneRecords) => {
    const batches: KinesisStreamRecord[][] = [];
    for (let i = 0; i < laneRecords.length; i += batchSize) batches.push(laneRecords.slice(i, i + batchSize));
    return batches;
  });
};

/**
 * The shard checkpoint while several lanes finish out of shard order: it only moves past a record once
 * every record before it, in every lane, is done. A lane's checkpoint says "my records up to this
 * sequence number are done"; records of other lanes in between hold the shard checkpoint back, so a
 * restart delivers them again rather than skip them (at least once, as Lambda).
 */
export class ShardWatermark {
  private readonly order: readonly KinesisStreamRecord[];
  private readonly lane: ReadonlyMap<string, number>;
  private readonly done = new Set<string>();
  private next = 0;

  constructor(records: readonly KinesisStreamRecord[], lanes: number) {
    this.order = records;
    this.lane = new Map(
      records.map((r) => [r.kinesis.sequenceNumber, laneOf(r.kinesis.partitionKey, lanes)]),
    );
  }

  /**
   * Marks the records of `sequenceNumber`'s lane up to it as done; returns the new shard checkpoint
   * when it moved, else undefined.
   */
  complete(sequenceNumber: string): string | undefined {
    const lane = this.lane.get(sequenceNumber);
    const upTo = this.order.findIndex((r) => r.kinesis.sequenceNumber === sequenceNumber);
    if (lane === undefined || upTo === -1) return undefined;
    for (const record of this.order.slice(0, upTo + 1))
      if (this.lane.get(record.kinesis.sequenceNumber) === lane) this.done.add(record.kinesis.sequenceNumber);
    const before = this.next;
    while (
      this.next < this.order.length &&
      this.done.has(this.order[this.next]?.kinesis.sequenceNumber ?? '')
    )
      this.next += 1;
    return this.next > before ? this.order[this.next - 1]?.kinesis.sequenceNumber : undefined;
  }
}
