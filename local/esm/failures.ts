import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';

/** What Lambda's on-failure destination would receive, plus the records themselves (local only). */
export interface DiscardedBatch {
  readonly service: string;
  readonly topic: string;
  readonly shardId: string;
  readonly reason: string;
  readonly attempts: number;
  readonly records: readonly KinesisStreamRecord[];
}

/** Appends one JSON line per discarded batch to `<home>/esm-failures.jsonl`. */
export const recordDiscard = (file: string, discarded: DiscardedBatch): void => {
  mkdirSync(dirname(file), { recursive: true });
  const first = discarded.records[0]?.kinesis.sequenceNumber;
  const last = discarded.records.at(-1)?.kinesis.sequenceNumber;
  const line = {
    time: new Date().toISOString(),
    service: discarded.service,
    topic: discarded.topic,
    shardId: discarded.shardId,
    reason: discarded.reason,
    attempts: discarded.attempts,
    batchSize: discarded.records.length,
    startSequenceNumber: first,
    endSequenceNumber: last,
    records: discarded.records.map((r) => ({
      sequenceNumber: r.kinesis.sequenceNumber,
      partitionKey: r.kinesis.partitionKey,
      approximateArrivalTimestamp: r.kinesis.approximateArrivalTimestamp,
      data: r.kinesis.data,
    })),
  };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
};
