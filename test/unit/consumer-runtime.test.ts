import { describe, expect, it } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import { defineConsumer, type EventHandler, MemoryConsumerStore } from '../../shared/consumer';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { countedRecord, envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

const env = testStreamEnv;

const count: EventHandler = (event, ctx) => {
  const data = event.data as { counter: string; by: number; fail?: boolean };
  if (data.fail) throw new Error(`refusing ${data.counter}`);
  ctx.update('totals', data.counter, { add: { total: data.by } });
};

const setup = (handler: EventHandler = count) => {
  const store = new MemoryConsumerStore(['totals', 'limits']);
  const consumer = defineConsumer(
    { catalog: testCatalog, service: 'counter', handlers: { Counted: handler } },
    { env, store, logReaders: false },
  );
  return { store, consumer };
};

const counted = countedRecord;

const total = async (store: MemoryConsumerStore, counter: string) =>
  (await store.getItem('totals', counter))?.total;

describe('consumer runtime', () => {
  it('applies a batch of distinct keys in one commit with the checkpoint', async () => {
    const { store, consumer } = setup();
    const records = Array.from({ length: 50 }, (_, i) => counted(i + 1, `c${i}`, i));

    const response = await consumer(kinesisEvent(records));

    expect(response.batchItemFailures).toEqual([]);
    expect(store.commits).toBe(1);
    expect(await total(store, 'c7')).toBe(7);
    expect(
      (await store.loadCheckpoint({ service: 'counter', topic: 'counts', shardId: 'shardId-000000000000' }))
        .sequenceNumber,
    ).toBe(seq(50));
  });

  it('applies nothing twice when the same batch is delivered again', async () => {
    const { store, consumer } = setup();
    const records = [counted(1, 'a', 5), counted(2, 'a', 5), counted(3, 'b', 1)];

    await consumer(kinesisEvent(records));
    await consumer(kinesisEvent(records));

    expect(await total(store, 'a')).toBe(10);
    expect(await total(store, 'b')).toBe(1);
  });

  it('commits the events before a failure and reports the failed event as the retry point', async () => {
    const { store, consumer } = setup();
    const records = [counted(1, 'a'), counted(2, 'b', 1, { fail: true }), counted(3, 'c')];

    const response = await consumer(kinesisEvent(records));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
    expect(await total(store, 'a')).toBe(1);
    expect(await total(store, 'c')).toBeUndefined();
  });

  it('parks an event after maxAttempts with its payload and lets the later events through in order', async () => {
    const { store, consumer } = setup();
    const poison = counted(2, 'b', 1, { fail: true });
    const records = [counted(1, 'a'), poison, counted(3, 'c'), counted(4, 'c')];

    await consumer(kinesisEvent(records));
    await consumer(kinesisEvent(records.slice(1)));
    const last = await consumer(kinesisEvent(records.slice(1)));

    expect(last.batchItemFailures).toEqual([]);
    expect(store.parked).toHaveLength(1);
    expect(store.parked[0]).toMatchObject({ sequenceNumber: seq(2), attempts: 3, data: poison.kinesis.data });
    expect(await total(store, 'c')).toBe(2);
  });

  it('parks a record that is not a valid envelope at once', async () => {
    const { store, consumer } = setup();
    const garbage = kinesisRecord({
      stream: 'counts-stream',
      sequenceNumber: seq(2),
      partitionKey: 'x',
      data: 'not json',
    });
    const invalid = counted(3, 'y', 1, { by: 'lots' });

    const response = await consumer(kinesisEvent([counted(1, 'a'), garbage, invalid, counted(4, 'a')]));

    expect(response.batchItemFailures).toEqual([]);
    expect(store.parked.map((p) => [p.sequenceNumber, p.attempts])).toEqual([
      [seq(2), 1],
      [seq(3), 1],
    ]);
    expect(store.parked[1]?.errorDetails?.[0]?.path).toBe('/by');
    expect(await total(store, 'a')).toBe(2);
  });

  it('makes a racing invocation that lost the checkpoint apply nothing and ask for a retry', async () => {
    const { store, consumer } = setup();
    const records = [counted(1, 'a'), counted(2, 'a')];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow = defineConsumer(
      {
        catalog: testCatalog,
        service: 'counter',
        handlers: {
          Counted: async (event, ctx) => {
            entered();
            await gate;
            await count(event, ctx);
          },
        },
      },
      { env, store, logReaders: false },
    );

    const racing = slow(kinesisEvent(records));
    // The slow invocation has loaded the checkpoint and marked its attempt before the other one starts.
    await running;
    await consumer(kinesisEvent(records));
    release();
    const lost = await racing;
    const retried = await consumer(kinesisEvent(records));

    expect(lost.batchItemFailures).toEqual([{ itemIdentifier: seq(1) }]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(await total(store, 'a')).toBe(2);
  });

  it('folds an event touching an item already pending into one commit, so the total is exact', async () => {
    const { store, consumer } = setup();
    const records = [counted(1, 'a', 2), counted(2, 'b', 1), counted(3, 'a', 3)];

    await consumer(kinesisEvent(records));

    expect(await total(store, 'a')).toBe(5);
    expect(store.commits).toBe(1);
  });
});

describe('consumer runtime at parallelization factor > 1', () => {
  const { __validated: _, ...spec } = testCatalog;
  const parallel = defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({ ...sub, parallelizationFactor: 4 })),
    })),
  });

  it('keeps progress per key, so concurrent batches of one shard never skip each other', async () => {
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const consumer = defineConsumer(
      { catalog: parallel, service: 'counter', handlers: { Counted: count } },
      { env, store, logReaders: false },
    );
    // Lambda hands keys a and b of one shard to two concurrent batches; b's finishes last.
    const keyA = [counted(1, 'a'), counted(3, 'a'), counted(5, 'a')];
    const keyB = [counted(2, 'b'), counted(4, 'b'), counted(6, 'b')];

    await consumer(kinesisEvent(keyA));
    await consumer(kinesisEvent(keyB));
    await consumer(kinesisEvent(keyB));

    expect(await total(store, 'a')).toBe(3);
    expect(await total(store, 'b')).toBe(3);
  });
});

describe('consumer runtime and types outside its scope', () => {
  // `Audited` is on a topic `counter` does not read and is written by another producer: its validators
  // stay out of counter's bundle. Records of it on counts-stream are what a catalog that moved the type
  // to another topic leaves behind in the stream.
  const { __validated: _, ...spec } = testCatalog;
  const moved = defineCatalog({
    ...spec,
    topics: [...spec.topics, { name: 'audit', shards: 1, retentionHours: 24 }],
    eventTypes: [
      ...spec.eventTypes,
      {
        type: 'Audited',
        topic: 'audit',
        writer: 'tester',
        keyField: 'counter',
        versions: {
          1: { type: 'object', required: ['counter'], properties: { counter: { type: 'string' } } },
        },
      },
    ],
  });
  const audited = (n: number, data: Record<string, unknown>) =>
    kinesisRecord({
      stream: 'counts-stream',
      sequenceNumber: seq(n),
      partitionKey: 'a',
      data: envelopeOf('Audited', data, 'a', `e${n}`),
    });

  it('skips them unvalidated like any type without a handler, valid or not, and parks nothing', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const consumer = defineConsumer(
      { catalog: moved, service: 'counter', handlers: { Counted: count } },
      { env, store, logReaders: false },
    );
    const records = [
      counted(1, 'a'),
      audited(2, { counter: 'a' }),
      audited(3, { counter: 7 }),
      counted(4, 'a'),
    ];
    // Act
    const response = await consumer(kinesisEvent(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(store.parked).toEqual([]);
    expect(await total(store, 'a')).toBe(2);
    const checkpoint = await store.loadCheckpoint({
      service: 'counter',
      topic: 'counts',
      shardId: 'shardId-000000000000',
    });
    expect(checkpoint.sequenceNumber).toBe(seq(4));
  });
});
