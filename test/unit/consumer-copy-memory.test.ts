import { describe, expect, it } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import {
  COPY_MEMORY_CAP,
  classifyCopies,
  defineConsumer,
  type EventHandler,
  keyMarkerSk,
  MemoryConsumerStore,
  MemoryCopyFinder,
  memoryKey,
  OVERTAKING_WINDOW_MS,
  prune,
  remember,
} from '../../shared/consumer';
import { encodeEnvelope, markResent } from '../../shared/envelope';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

const env = testStreamEnv;
const SHARD = 'shardId-000000000000';
const ARRIVED = 1_795_000_000_000;
const position = { service: 'counter', topic: 'counts', shardId: SHARD };

const bytesOf = (counter: string, id: string, resentSince?: number): Uint8Array => {
  const plain = encodeEnvelope(envelopeOf('Counted', { counter, by: 1 }, counter, id));
  return resentSince === undefined ? plain : markResent(plain, resentSince);
};

/** A `Counted` record numbered `n`, arriving `n` seconds after ARRIVED; `resentSince` marks it. */
const counted = (n: number, counter: string, id: string, resentSince?: number) =>
  kinesisRecord({
    stream: 'counts-stream',
    shardId: SHARD,
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: Buffer.from(bytesOf(counter, id, resentSince)).toString(),
    arrivedAtSeconds: (ARRIVED + n * 1_000) / 1000,
  });

const add: EventHandler = (event, ctx) => {
  const data = event.data as { counter: string; by: number };
  ctx.update('totals', data.counter, { add: { total: data.by } });
};

const consumerWith = (parallelizationFactor = 1) => {
  const { __validated: _, ...spec } = testCatalog;
  const catalog = defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({ ...sub, parallelizationFactor })),
    })),
  });
  const store = new MemoryConsumerStore(['totals', 'limits']);
  // The marked copies below have no earlier original in this (empty) log: the look-back says unique.
  const consumer = defineConsumer(
    { catalog, service: 'counter', handlers: { Counted: add } },
    { env, store, copies: new MemoryCopyFinder(), logReaders: false },
  );
  return { store, consumer };
};

const total = async (store: MemoryConsumerStore, counter: string) =>
  (await store.getItem('totals', counter))?.total;

describe('copy memory (remember / prune)', () => {
  it('evicts the entry expiring first at the cap and covers it with overflowUntil', () => {
    // Prepare
    let memory = remember(undefined, 'k0', 1_000);
    for (let i = 1; i < COPY_MEMORY_CAP; i++) memory = remember(memory, `k${i}`, 2_000 + i);

    // Act
    const full = remember(memory, 'new', 5_000);

    // Assess
    expect(Object.keys(full.ids)).toHaveLength(COPY_MEMORY_CAP);
    expect(full.ids.k0).toBeUndefined();
    expect(full.ids.new).toBe(5_000);
    expect(full.overflowUntil).toBe(1_000);
  });

  it('prunes by log time and leaves nothing once every entry expired', () => {
    // Prepare
    const memory = remember(remember(undefined, 'a', 1_000), 'b', 3_000);

    // Act
    const partly = prune(memory, 2_000);
    const gone = prune(memory, 3_001);

    // Assess
    expect(partly).toEqual({ ids: { b: 3_000 } });
    expect(gone).toBeUndefined();
  });
});

describe('classifyCopies: unmarked originals behind their marked re-send', () => {
  it('calls an unmarked record overtaken when its marked re-send came earlier in the batch', async () => {
    // Prepare
    const records = [counted(1, 'a', 'e1', ARRIVED), counted(2, 'b', 'e2'), counted(3, 'a', 'e1')];
    const originals = new Map();

    // Act
    const verdicts = await classifyCopies(
      records,
      () => false,
      { copies: new MemoryCopyFinder() },
      Date.now() + 60_000,
      {
        of: () => undefined,
        originals,
      },
    );

    // Assess
    expect(verdicts.get(seq(3))).toEqual({ kind: 'overtaken', key: memoryKey('test\u0000e1') });
    expect(verdicts.size).toBe(1);
    expect([...originals.keys()]).toEqual([seq(1)]);
  });

  it('looks an unmarked record up in the log during a memory overflow window', async () => {
    // Prepare: the memory lost this id at its cap; the marked copy sits earlier in the shard.
    const finder = new MemoryCopyFinder();
    finder.append(SHARD, bytesOf('a', 'e1', ARRIVED), { sequenceNumber: seq(1), arrivedAt: ARRIVED + 1_000 });
    const memory = { ids: {}, overflowUntil: ARRIVED + OVERTAKING_WINDOW_MS };

    // Act
    const verdicts = await classifyCopies(
      [counted(5, 'a', 'e1')],
      () => false,
      { copies: finder },
      Date.now() + 60_000,
      {
        of: () => memory,
        originals: new Map(),
      },
    );

    // Assess
    expect(verdicts.get(seq(5))?.kind).toBe('overtaken');
  });
});

describe('consumer runtime: the overtaking window', () => {
  it('skips an unmarked original that lands after its applied marked re-send, in a later batch', async () => {
    // Prepare
    const { store, consumer } = consumerWith();

    // Act: the marked re-send lands (and is applied) first; its original lands two records later.
    const first = await consumer(
      kinesisEvent([counted(1, 'a', 'e1', ARRIVED - 10_000), counted(2, 'b', 'e2')]),
    );
    const memory = (await store.loadCheckpoint(position)).recentCopies;
    const second = await consumer(kinesisEvent([counted(3, 'a', 'e1'), counted(4, 'a', 'e3')]));

    // Assess
    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);
    expect(Object.keys(memory?.ids ?? {})).toHaveLength(1);
    expect(await total(store, 'a')).toBe(2);
    expect(await total(store, 'b')).toBe(1);
    const after = await store.loadCheckpoint(position);
    expect(after.sequenceNumber).toBe(seq(4));
    expect(after.recentCopies).toBeUndefined();
  });

  it('remembers on the key marker at parallelization > 1', async () => {
    // Prepare
    const { store, consumer } = consumerWith(2);

    // Act
    await consumer(kinesisEvent([counted(1, 'k', 'e1', ARRIVED - 10_000)]));
    const marker = (await store.loadCheckpoints(position, [keyMarkerSk(SHARD, 'k')])).get(
      keyMarkerSk(SHARD, 'k'),
    );
    const response = await consumer(kinesisEvent([counted(2, 'k', 'e1'), counted(3, 'k', 'e2')]));

    // Assess
    expect(Object.keys(marker?.recentCopies?.ids ?? {})).toHaveLength(1);
    expect(response.batchItemFailures).toEqual([]);
    expect(await total(store, 'k')).toBe(2);
  });

  it('forgets ids past the window, in log time', async () => {
    // Prepare: a re-send applied; the next record arrives after the window has closed.
    const { store, consumer } = consumerWith();
    await consumer(kinesisEvent([counted(1, 'a', 'e1', ARRIVED - 10_000)]));
    const late = OVERTAKING_WINDOW_MS / 1_000 + 60;

    // Act
    await consumer(kinesisEvent([counted(late, 'b', 'e2')]));
    const cleared = await store.loadCheckpoint(position);
    await consumer(kinesisEvent([counted(late + 1, 'b', 'e3')]));

    // Assess
    expect(cleared.recentCopies).toBeUndefined();
    expect(await total(store, 'b')).toBe(2);
  });
});
