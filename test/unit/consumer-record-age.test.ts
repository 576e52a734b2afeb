import { describe, expect, it } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import { defineConsumer, type EventHandler, MemoryConsumerStore } from '../../shared/consumer';
import { scopedShardId } from '../../shared/layout';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

const SHARD = 'shardId-000000000000';
const MAX_AGE_SECONDS = 600;

/** A `Counted` record numbered `n` that arrived `ageSeconds` ago. */
const counted = (n: number, counter: string, ageSeconds: number, shardId = SHARD) =>
  kinesisRecord({
    stream: 'counts-stream',
    shardId,
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: envelopeOf('Counted', { counter, by: 1 }, counter, `e${n}`),
    arrivedAtSeconds: (Date.now() - ageSeconds * 1000) / 1000,
  });

const add: EventHandler = (event, ctx) => {
  const data = event.data as { counter: string; by: number };
  ctx.update('totals', data.counter, { add: { total: data.by } });
};

/** The counter service with `retry.maxRecordAgeSeconds` on its subscriptions. */
const consumerWith = (maxRecordAgeSeconds: number) => {
  const { __validated: _, ...spec } = testCatalog;
  const catalog = defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({ ...sub, retry: { ...sub.retry, maxRecordAgeSeconds } })),
    })),
  });
  const store = new MemoryConsumerStore(['totals', 'limits']);
  const consumer = defineConsumer(
    { catalog, service: 'counter', handlers: { Counted: add } },
    { env: testStreamEnv, store, logReaders: false, backoff: false },
  );
  return { store, consumer };
};

const total = async (store: MemoryConsumerStore, counter: string) =>
  (await store.getItem('totals', counter))?.total;

describe('consumer runtime record age (retry.maxRecordAgeSeconds)', () => {
  it('parks a record older than the limit whole and unapplied, and applies the younger ones after it', async () => {
    // Prepare
    const { store, consumer } = consumerWith(MAX_AGE_SECONDS);
    const old = counted(1, 'a', MAX_AGE_SECONDS + 60);
    const records = [old, counted(2, 'a', MAX_AGE_SECONDS - 60), counted(3, 'b', 1)];

    // Act
    const response = await consumer(kinesisEvent(records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await total(store, 'a')).toBe(1);
    expect(await total(store, 'b')).toBe(1);
    expect(store.parked.map((p) => [p.sequenceNumber, p.eventId, p.attempts, p.data])).toEqual([
      [seq(1), 'e1', 0, old.kinesis.data],
    ]);
    expect(store.parked[0]?.error).toMatch(/^RecordTooOldError: .*maxRecordAgeSeconds/);
    expect(
      (await store.loadCheckpoint({ service: 'counter', topic: 'counts', shardId: SHARD })).sequenceNumber,
    ).toBe(seq(3));
  });

  it('applies old records at -1 (never)', async () => {
    // Prepare
    const { store, consumer } = consumerWith(-1);

    // Act
    const response = await consumer(kinesisEvent([counted(1, 'a', 30 * 24 * 3600)]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await total(store, 'a')).toBe(1);
    expect(store.parked).toEqual([]);
  });

  it("applies an old record the CLI re-delivers (replay with a session, redrive's scoped shard)", async () => {
    // Prepare
    const { store, consumer } = consumerWith(MAX_AGE_SECONDS);
    const replayed = { ...kinesisEvent([counted(1, 'a', 3600)]), spine: { emits: 'suppress' as const } };
    const redriven = kinesisEvent([counted(2, 'b', 3600, scopedShardId(SHARD, 'redrive-1'))]);

    // Act
    const first = await consumer(replayed);
    const second = await consumer(redriven);

    // Assess
    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);
    expect([await total(store, 'a'), await total(store, 'b')]).toEqual([1, 1]);
    expect(store.parked).toEqual([]);
  });
});
