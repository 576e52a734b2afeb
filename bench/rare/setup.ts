import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local';
import { createHttpHandler } from '../../shared/aws';
import { KinesisCallMeter } from '../lib/kinesis-calls';
import { DynamoMeter } from '../lib/meter';

/** Where the rare-path runs find the emulators (DynamoDB Local, kinesis-mock). */
export interface RareEndpoints {
  readonly dynamodb: string;
  readonly kinesis: string;
}

const aws = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } as const;
// HTTP/1.1 as the runtime's own clients (`shared/aws`); kinesis-mock refuses the SDK's HTTP/2 default.
const http = () => ({
  requestHandler: createHttpHandler({ requestTimeout: 30_000 }),
});

/** A pair of fresh clients with meters, as one Lambda container has. */
export interface MeteredClients {
  readonly dynamo: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly dynamoMeter: DynamoMeter;
  readonly kinesisMeter: KinesisCallMeter;
  destroy(): void;
}

export const meteredClients = (endpoints: RareEndpoints): MeteredClients => {
  const dynamo = new DynamoDBClient({ ...aws, ...http(), endpoint: endpoints.dynamodb });
  const kinesis = new KinesisClient({ ...aws, ...http(), endpoint: endpoints.kinesis });
  return {
    dynamo,
    kinesis,
    dynamoMeter: new DynamoMeter().attach(dynamo),
    kinesisMeter: new KinesisCallMeter().attach(kinesis),
    destroy: () => {
      dynamo.destroy();
      kinesis.destroy();
    },
  };
};

/** Unmetered Kinesis client for preparing the log (the writes a producer made before the path ran). */
export const plainKinesis = (endpoints: RareEndpoints): KinesisClient =>
  new KinesisClient({ ...aws, ...http(), endpoint: endpoints.kinesis });

export const plainDynamo = (endpoints: RareEndpoints): DynamoDBClient =>
  new DynamoDBClient({ ...aws, ...http(), endpoint: endpoints.dynamodb });

/** Creates a stream on kinesis-mock and waits until it is ACTIVE. */
export const createStream = async (kinesis: KinesisClient, name: string, shards = 1): Promise<void> => {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 600; i += 1) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(100);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
};

/** Puts records in order, in calls of at most 100; throws if Kinesis refused any. */
export const putAll = async (
  kinesis: KinesisClient,
  stream: string,
  records: readonly { readonly data: Uint8Array; readonly key: string }[],
): Promise<void> => {
  for (let i = 0; i < records.length; i += 100) {
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: records.slice(i, i + 100).map((r) => ({ Data: r.data, PartitionKey: r.key })),
      }),
    );
    if ((out.FailedRecordCount ?? 0) > 0)
      throw new Error(`kinesis-mock refused ${out.FailedRecordCount} records`);
  }
};
