import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { IdempotencyStore, PublishDeps } from '../../shared/ingress';
import { SHARD } from './ingress-log-fixtures';

/**
 * One shard as Kinesis shows it: PutRecords appends with `ApproximateArrivalTimestamp` = Kinesis' own
 * clock (`kinesisClock`), GetRecords answers at most `pageSize` records per call (GetRecords "may return a
 * partial result": the page boundary is Kinesis' choice, not the reader's).
 */
export const fakeLog = (mock: AwsClientStub<KinesisClient>, kinesisClock: () => number, pageSize: number) => {
  const records: _Record[] = [];
  mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
  // AT_TIMESTAMP: the first record stamped at or after the time (the tip when there is none).
  mock.on(GetShardIteratorCommand).callsFake(({ Timestamp }: { Timestamp?: Date }) => {
    const at = records.findIndex(
      (r) => (r.ApproximateArrivalTimestamp?.getTime() ?? 0) >= (Timestamp?.getTime() ?? 0),
    );
    return { ShardIterator: `at-${at < 0 ? records.length : at}` };
  });
  mock.on(GetRecordsCommand).callsFake(({ ShardIterator }: { ShardIterator?: string }) => {
    const from = Number((ShardIterator ?? 'at-0').slice(3));
    const page = records.slice(from, from + pageSize);
    const next = from + page.length;
    return {
      Records: page,
      NextShardIterator: `at-${next}`,
      MillisBehindLatest: next >= records.length ? 0 : 1_000,
    };
  });
  mock
    .on(PutRecordsCommand)
    .callsFake(async ({ Records = [] }: { Records?: { PartitionKey?: string; Data?: Uint8Array }[] }) => ({
      Records: Records.map((r) => {
        const SequenceNumber = String(100 + records.length);
        records.push({
          SequenceNumber,
          PartitionKey: r.PartitionKey,
          Data: r.Data,
          ApproximateArrivalTimestamp: new Date(kinesisClock()),
        });
        return { ShardId: SHARD.ShardId, SequenceNumber };
      }),
    }));
  return records;
};

/**
 * The idempotency table as DynamoDB answers the store's conditional PutItem: refused with the item
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`) while a live item holds the key.
 */
export const fakeTable = (mock: AwsClientStub<DynamoDBClient>, clock: () => number) => {
  const items = new Map<string, Record<string, AttributeValue>>();
  mock.on(PutItemCommand).callsFake(({ Item = {} }: { Item?: Record<string, AttributeValue> }) => {
    const pk = Item.pk?.S ?? '';
    const old = items.get(pk);
    if (old && Number(old.expiresAt?.N ?? '0') >= Math.floor(clock() / 1000))
      throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: old });
    items.set(pk, Item);
    return {};
  });
  mock.on(GetItemCommand).callsFake(({ Key = {} }: { Key?: Record<string, AttributeValue> }) => ({
    Item: items.get(Key.pk?.S ?? ''),
  }));
  mock.on(UpdateItemCommand).resolves({});
  mock.on(DeleteItemCommand).resolves({});
  return items;
};

/** An ingress instance's dependencies with a clock the test moves and no memory of its 202s. */
export const instance = (
  kinesis: KinesisClient,
  store: IdempotencyStore,
  clock: () => number,
): PublishDeps => ({
  kinesis,
  store,
  writer: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, now: clock },
  search: { now: clock },
});
