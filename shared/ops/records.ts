import type { KinesisStreamRecord } from 'aws-lambda';
import { scopedShardId } from './scope';

/** One record read from a topic's stream, before it is shaped for a handler. */
export interface LogRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's bytes, base64, exactly as stored. */
  readonly data: string;
  /** When Kinesis accepted it (epoch ms). */
  readonly arrivedAt: number;
}

export interface RecordShape {
  /** ARN of the topic's stream: the runtime maps it back to the topic by stream name. */
  readonly streamArn: string;
  readonly region: string;
  /** Session scope, see `scope.ts`; none for live-scope delivery. */
  readonly scope?: string;
  /** Whether re-applied events publish what they emit (see `SessionOptions` in shared/consumer). */
  readonly emits?: 'publish' | 'suppress';
}

/** A record as the Kinesis event source mapping hands it to a function (what the runtime expects). */
export const toKinesisRecord = (record: LogRecord, shape: RecordShape): KinesisStreamRecord => ({
  kinesis: {
    kinesisSchemaVersion: '1.0',
    partitionKey: record.partitionKey,
    sequenceNumber: record.sequenceNumber,
    data: record.data,
    approximateArrivalTimestamp: record.arrivedAt / 1000,
  },
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventID: `${scopedShardId(record.shardId, shape.scope)}:${record.sequenceNumber}`,
  eventName: 'aws:kinesis:record',
  invokeIdentityArn: 'arn:aws:iam::000000000000:role/spine-ops',
  awsRegion: shape.region,
  eventSourceARN: shape.streamArn,
});
