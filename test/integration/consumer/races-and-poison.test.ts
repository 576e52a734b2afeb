import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConsumer, type EventHandler, MemoryPublisher } from '../../../shared/consumer';
import { testCatalog } from '../../fixtures/catalog';
import { kinesisEvent } from '../../fixtures/kinesis';
import { type Emulators, startEmulators } from '../helpers/emulators';
import { countedRecord, createRuntimeTables, dynamoStore, env, TABLES } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const adding =
  (delay: () => number): EventHandler =>
  async (event, ctx) => {
    const { counter, by, fail } = event.data as { counter: string; by: number; fail?: boolean };
    await sleep(delay());
    if (fail) throw new Error(`payment provider refused ${counter}`);
    const item = await ctx.get('totals', counter);
    ctx.put('totals', {
      pk: counter,
      total: Number(item?.total ?? 0) + by,
      seen: [...((item?.seen as string[] | undefined) ?? []), event.id],
    });
  };

describe('consumer runtime on DynamoDB Local: races and poison events', () => {
  let emulators: Emulators;

  beforeAll(async () => {
    emulators = await startEmulators();
    await createRuntimeTables(emulators.dynamo);
  });

  afterAll(async () => {
    await emulators?.stop();
  });

  const consumerWith = (handler: EventHandler) =>
    defineConsumer(
      { catalog: testCatalog, service: 'counter', handlers: { Counted: handler } },
      // Records made up here, in no Kinesis stream: nothing to read.
      { env, store: dynamoStore(emulators.dynamo), publisher: new MemoryPublisher(), logReaders: false },
    );

  it('leaves one effect per event when two invocations of the same batch race', async () => {
    const shard = 'shardId-race-0';
    const batch = Array.from({ length: 30 }, (_, i) =>
      countedRecord(i + 1, `race-${i % 4}`, { by: 1 }, shard),
    );
    const a = consumerWith(adding(() => Math.random() * 5));
    const b = consumerWith(adding(() => Math.random() * 5));

    const [ra, rb] = await Promise.all([a(kinesisEvent(batch)), b(kinesisEvent(batch))]);
    // Lambda retries whatever an invocation reported as failed; keep going until both report success.
    for (const [consumer, response] of [
      [a, ra],
      [b, rb],
    ] as const) {
      let failed = response.batchItemFailures[0]?.itemIdentifier;
      while (failed) {
        const from = batch.findIndex((r) => r.kinesis.sequenceNumber === failed);
        failed = (await consumer(kinesisEvent(batch.slice(from)))).batchItemFailures[0]?.itemIdentifier;
      }
    }

    const store = dynamoStore(emulators.dynamo);
    for (let k = 0; k < 4; k++) {
      const item = await store.getItem('totals', `race-${k}`);
      const seen = item?.seen as string[];
      expect(item?.total).toBe(batch.filter((r) => r.kinesis.partitionKey === `race-${k}`).length);
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it('parks an always-failing event whole after maxAttempts and applies the later events in order', async () => {
    const shard = 'shardId-poison-0';
    const batch = [
      countedRecord(1, 'p-a', { by: 1 }, shard),
      countedRecord(2, 'p-b', { by: 5, fail: true }, shard),
      countedRecord(3, 'p-a', { by: 2 }, shard),
      countedRecord(4, 'p-b', { by: 3 }, shard),
    ];
    const consumer = consumerWith(adding(() => 0));

    let from = 0;
    for (let attempt = 0; attempt < 10 && from < batch.length; attempt++) {
      const failed = (await consumer(kinesisEvent(batch.slice(from)))).batchItemFailures[0]?.itemIdentifier;
      from = failed ? batch.findIndex((r) => r.kinesis.sequenceNumber === failed) : batch.length;
    }

    const parked = await DynamoDBDocumentClient.from(emulators.dynamo).send(
      new QueryCommand({
        TableName: TABLES.parking,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'counter' },
      }),
    );
    const items = (parked.Items ?? []).filter((i) => i.shardId === shard);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ attempts: 3, data: batch[1]?.kinesis.data, partitionKey: 'p-b' });
    expect(String(items[0]?.error)).toContain('payment provider refused p-b');
    const store = dynamoStore(emulators.dynamo);
    expect(await store.getItem('totals', 'p-a')).toMatchObject({ total: 3 });
    expect(await store.getItem('totals', 'p-b')).toMatchObject({ total: 3 });
  });
});
