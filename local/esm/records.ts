import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { LOCAL_REGION } from '../emulators/client';
import { LOCAL_ACCOUNT_ID } from '../names';

export interface RecordSource {
  readonly shardId: string;
  readonly streamArn: string;
  /** The function's execution role, as Lambda reports it in `invokeIdentityArn`. */
  readonly identityArn: string;
}

export const functionRoleArn = (service: string): string =>
  `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/spine-${service}`;

/** One GetRecords record as the Kinesis event source mapping hands it to the function. */
export const toLambdaRecord = (record: _Record, source: RecordSource): KinesisStreamRecord => {
  const sequenceNumber = record.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      // Epoch seconds with the millisecond fraction, e.g. 1545084650.987.
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${source.shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: source.identityArn,
    awsRegion: LOCAL_REGION,
    eventSourceARN: source.streamArn,
  };
};
