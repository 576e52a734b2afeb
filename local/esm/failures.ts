import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { DiscardInfo } from './deliver';

/**
 * The message body Lambda sends to an SQS or SNS on-failure destination for a Kinesis mapping:
 * metadata only (shard and sequence range), never the records. Whoever wants the records back must
 * read them from the stream by sequence number before they leave retention.
 */
export interface OnFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: DiscardInfo['condition'];
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: 'Unhandled';
  };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export interface DiscardSource {
  readonly functionArn: string;
  readonly shardId: string;
  readonly streamArn: string;
}

const arrival = (record: KinesisStreamRecord | undefined): string =>
  new Date((record?.kinesis.approximateArrivalTimestamp ?? 0) * 1000).toISOString();

/** What Lambda would send to the on-failure destination for these discarded records. */
export const onFailureRecord = (
  source: DiscardSource,
  records: readonly KinesisStreamRecord[],
  info: DiscardInfo,
  now: Date = new Date(),
): OnFailureRecord => ({
  requestContext: {
    requestId: randomUUID(),
    functionArn: source.functionArn,
    condition: info.condition,
    approximateInvokeCount: info.invokeCount,
  },
  responseContext: {
    statusCode: 200,
    executedVersion: '$LATEST',
    ...(info.functionError && { functionError: info.functionError }),
  },
  version: '1.0',
  timestamp: now.toISOString(),
  KinesisBatchInfo: {
    shardId: source.shardId,
    startSequenceNumber: records[0]?.kinesis.sequenceNumber ?? '',
    endSequenceNumber: records.at(-1)?.kinesis.sequenceNumber ?? '',
    approximateArrivalOfFirstRecord: arrival(records[0]),
    approximateArrivalOfLastRecord: arrival(records.at(-1)),
    batchSize: records.length,
    streamArn: source.streamArn,
  },
});

/**
 * Appends one on-failure message per discarded batch to `<home>/esm-failures.jsonl`, the local stand-in
 * for the destination queue. Like the real one it holds no record data.
 */
export const recordDiscard = (file: string, message: OnFailureRecord): void => {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(message)}\n`);
};
