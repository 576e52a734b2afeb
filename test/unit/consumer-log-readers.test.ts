import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
  MemoryPublisher,
  type OutboxEntry,
} from '../../shared/consumer';
import { encodeEnvelope, markResent } from '../../shared/envelope';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

// The trap this guards: a replaced store used to switch the Kinesis log readers off, so a deployed
// function built with its own store could never decide a marked copy nor recover a closed parent.
const kinesis = mockClient(KinesisClient);
const STREAM = 'counts-stream';
const PARENT = 'shardId-000000000000';
const CHILD = 'shardId-000000000002';
const ARRIVED = 1_795_000_000_000;

/** A shard as ListShards lists it; `parent` after a split. */
const shard = (ShardId: string, parent?: string): Shard => ({
  ShardId,
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455' },
  SequenceNumberRange: { StartingSequenceNumber: seq(0) },
  ...(parent && { ParentShardId: parent }),
});

const bytesOf = (id: string, resentSince?: number): Uint8Array => {
  const plain = encodeEnvelope(envelopeOf('Counted', { counter: 'a', by: 1 }, 'a', id));
  return resentSince === undefined ? plain : markResent(plain, resentSince);
};

const counted = (n: number, id: string, resentSince?: number, shardId = PARENT) =>
  kinesisRecord({
    stream: STREAM,
    shardId,
    sequenceNumber: seq(n),
    partitionKey: 'a',
    data: Buffer.from(bytesOf(id, resentSince)).toString(),
    arrivedAtSeconds: (ARRIVED + n * 1_000) / 1000,
  });

const add: EventHandler = (event, ctx) => {
  const data = event.data as { counter: string; by: number };
  ctx.update('totals', data.counter, { add: { total: data.by } });
};

const consumerOn = (store: MemoryConsumerStore, extra: { logReaders?: false } = {}) => {
  const publisher = new MemoryPublisher();
  const consumer = defineConsumer(
    { catalog: testCatalog, service: 'counter', handlers: { Counted: add } },
    { env: testStreamEnv, store, publisher, backoff: false, ...extra },
  );
  return { consumer, publisher };
};

/** The log as Kinesis answers it: one shard holding the original of e1, then its marked copy. */
const logWithOriginal = () => {
  kinesis.on(ListShardsCommand).resolves({ Shards: [shard(PARENT)] });
  kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
  kinesis.on(GetRecordsCommand).resolves({
    Records: [
      {
        SequenceNumber: seq(1),
        Data: bytesOf('e1'),
        PartitionKey: 'a',
        ApproximateArrivalTimestamp: new Date(ARRIVED + 1_000),
      },
      {
        SequenceNumber: seq(2),
        Data: bytesOf('e1', ARRIVED),
        PartitionKey: 'a',
        ApproximateArrivalTimestamp: new Date(ARRIVED + 2_000),
      },
    ],
    NextShardIterator: 'iterator-2',
    MillisBehindLatest: 0,
  });
};

const total = async (store: MemoryConsumerStore) => (await store.getItem('totals', 'a'))?.total;

afterEach(() => {
  kinesis.reset();
});

describe('defineConsumer log readers', () => {
  it('reads Kinesis for a marked copy whose original was in an earlier batch, though the store is replaced', async () => {
    // Prepare
    logWithOriginal();
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const { consumer } = consumerOn(store);
    await consumer(kinesisEvent([counted(1, 'e1')]));

    // Act
    const response = await consumer(kinesisEvent([counted(2, 'e1', ARRIVED), counted(3, 'e2')]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await total(store)).toBe(2);
  });

  it("recovers a closed parent's outbox leftover from the child shard, though the store is replaced", async () => {
    // Prepare
    kinesis.on(ListShardsCommand).resolves({ Shards: [shard(PARENT), shard(CHILD, PARENT)] });
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const leftover: OutboxEntry = {
      sk: '0001',
      topic: 'milestones',
      envelope: {
        ...envelopeOf('MilestoneReached', { counter: 'a', total: 1 }, 'a', 'm-1'),
        source: '/services/counter',
      },
      createdAt: ARRIVED,
      sourceKey: 'a',
    };
    await store.commit({
      position: { service: 'counter', topic: 'counts', shardId: PARENT },
      moves: [],
      writes: [],
      outbox: [leftover],
    });
    const { consumer, publisher } = consumerOn(store);

    // Act
    const response = await consumer(kinesisEvent([counted(5, 'e5', undefined, CHILD)]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(publisher.published.map((e) => e.id)).toEqual(['m-1']);
    expect(await store.loadOutbox({ service: 'counter', topic: 'counts', shardId: PARENT })).toEqual([]);
  });

  it('logReaders false: a marked copy the batch cannot settle stops the shard, undecided', async () => {
    // Prepare
    logWithOriginal();
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const { consumer } = consumerOn(store, { logReaders: false });
    await consumer(kinesisEvent([counted(1, 'e1')]));

    // Act
    const response = await consumer(kinesisEvent([counted(2, 'e1', ARRIVED), counted(3, 'e2')]));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
    expect(await total(store)).toBe(1);
  });
});
