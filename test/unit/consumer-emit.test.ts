import { describe, expect, it } from 'vitest';
import {
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
  MemoryPublisher,
} from '../../shared/consumer';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { countedRecord, envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

const env = testStreamEnv;
const position = { service: 'counter', topic: 'counts', shardId: 'shardId-000000000000' };

/** Counts, and emits a milestone every time a counter passes a multiple of 10. */
const counting: EventHandler = async (event, ctx) => {
  const { counter, by } = event.data as { counter: string; by: number };
  const before = Number((await ctx.get('totals', counter))?.total ?? 0);
  ctx.put('totals', { pk: counter, total: before + by });
  if (Math.floor((before + by) / 10) > Math.floor(before / 10))
    ctx.emit('MilestoneReached', { counter, total: before + by });
};

const setup = (handler: EventHandler = counting) => {
  const store = new MemoryConsumerStore(['totals', 'limits']);
  const publisher = new MemoryPublisher();
  const consumer = defineConsumer(
    { catalog: testCatalog, service: 'counter', handlers: { Counted: handler } },
    { env, store, publisher, logReaders: false },
  );
  return { store, publisher, consumer };
};

const counted = countedRecord;

describe('consumer runtime: emitting through the outbox', () => {
  it('publishes an emitted event after its state commits and empties the outbox', async () => {
    const { store, publisher, consumer } = setup();

    await consumer(kinesisEvent([counted(1, 'a', 6), counted(2, 'a', 6)]));

    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]).toMatchObject({
      type: 'MilestoneReached',
      partitionkey: 'a',
      source: '/services/counter',
      causationid: 'e2',
      data: { counter: 'a', total: 12 },
    });
    expect(await store.loadOutbox(position)).toEqual([]);
  });

  it('keeps emitted events in the outbox when publishing fails and publishes them once on redelivery', async () => {
    const { store, publisher, consumer } = setup();
    const batch = [counted(1, 'a', 10), counted(2, 'b', 3)];
    publisher.failNext = 1;

    const failed = await consumer(kinesisEvent(batch));
    const retried = await consumer(kinesisEvent(batch));

    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(publisher.published.map((e) => e.data)).toEqual([{ counter: 'a', total: 10 }]);
    expect((await store.getItem('totals', 'a'))?.total).toBe(10);
    expect(await store.loadOutbox(position)).toEqual([]);
  });

  it('does not publish twice when an invocation died after publishing but before deleting the outbox', async () => {
    const { store, publisher, consumer } = setup();
    const batch = [counted(1, 'a', 10)];
    const deleteOutbox = store.deleteOutbox.bind(store);
    store.deleteOutbox = async () => {
      store.deleteOutbox = deleteOutbox;
      throw new Error('crash between publish and delete');
    };

    await consumer(kinesisEvent(batch));
    await consumer(kinesisEvent(batch));

    expect(publisher.published).toHaveLength(1);
    expect(await store.loadOutbox(position)).toEqual([]);
  });

  it('gives an emitted event the same id on every delivery of the consumed event', async () => {
    const first = setup();
    const second = setup();

    await first.consumer(kinesisEvent([counted(1, 'a', 10)]));
    await second.consumer(kinesisEvent([counted(1, 'a', 10)]));

    expect(first.publisher.published[0]?.id).toBe(second.publisher.published[0]?.id);
  });

  it('treats an emit of a type the service does not own as a handler failure, then parks the event', async () => {
    const rogue: EventHandler = (_event, ctx) => ctx.emit('LimitSet', { counter: 'x', max: 1 });
    const { store, publisher, consumer } = setup(rogue);
    const batch = [counted(1, 'a', 1)];

    for (let i = 0; i < 3; i++) await consumer(kinesisEvent(batch));

    expect(publisher.published).toEqual([]);
    expect(store.parked[0]?.error).toMatch(/may not emit LimitSet: its only writer is tester/);
  });
});

describe('consumer runtime: table subscriptions', () => {
  const limit = (n: number, type: 'LimitSet' | 'LimitCleared', data: Record<string, unknown>) =>
    kinesisRecord({
      stream: 'limits-stream',
      sequenceNumber: seq(n),
      partitionKey: String(data.counter),
      data: envelopeOf(type, data, String(data.counter), `l${n}`),
    });

  it('keeps the latest value per key, applies tombstones and serves lookups', async () => {
    const { store, consumer } = setup();
    const seen: unknown[] = [];
    const reader = defineConsumer(
      {
        catalog: testCatalog,
        service: 'counter',
        handlers: {
          Counted: async (event, ctx) => {
            seen.push(
              await ctx.lookup('limits', (event.data as { counter: string }).counter, { maxAgeMs: 0 }),
            );
          },
        },
      },
      { env, store, publisher: new MemoryPublisher(), logReaders: false },
    );

    await consumer(
      kinesisEvent([
        limit(1, 'LimitSet', { counter: 'a', max: 5 }),
        limit(2, 'LimitSet', { counter: 'a', max: 7 }),
        limit(3, 'LimitSet', { counter: 'b', max: 1 }),
        limit(4, 'LimitCleared', { counter: 'b' }),
      ]),
    );
    await reader(kinesisEvent([counted(1, 'a', 1), counted(2, 'b', 1)]));

    expect(seen).toEqual([{ counter: 'a', max: 7 }, undefined]);
    expect(await store.getItem('limits', 'b')).toBeUndefined();
  });
});
