import { describe, expect, it } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import {
  classifyCopies,
  defineConsumer,
  type EventHandler,
  keyMarkerSk,
  MemoryConsumerStore,
  MemoryCopyFinder,
  MemoryShardDirectory,
} from '../../shared/consumer';
import { encodeEnvelope, markResent } from '../../shared/envelope';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

const env = testStreamEnv;
const SHARD = 'shardId-000000000000';
const ARRIVED = 1_795_000_000_000;

const bytesOf = (counter: string, id: string, resentSince?: number): Uint8Array => {
  const plain = encodeEnvelope(envelopeOf('Counted', { counter, by: 1 }, counter, id));
  return resentSince === undefined ? plain : markResent(plain, resentSince);
};

/** A `Counted` record numbered `n`; `resentSince` marks it as a possible second copy. */
const counted = (n: number, counter: string, id: string, resentSince?: number, shardId = SHARD) =>
  kinesisRecord({
    stream: 'counts-stream',
    shardId,
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: Buffer.from(bytesOf(counter, id, resentSince)).toString(),
    arrivedAtSeconds: (ARRIVED + n * 1_000) / 1000,
  });

const notApplied = () => false;
const FAR = () => Date.now() + 60_000;

describe('classifyCopies', () => {
  it('leaves an unmarked batch alone without reading the log', async () => {
    const finder = new MemoryCopyFinder();
    finder.undecidedNext = 1;
    const records = [counted(1, 'a', 'e1'), counted(2, 'a', 'e1')];

    const verdicts = await classifyCopies(records, notApplied, { copies: finder }, FAR());

    expect(verdicts.size).toBe(0);
  });

  it('calls a marked record a duplicate when an earlier record of the batch has its (source, id)', async () => {
    const finder = new MemoryCopyFinder();
    finder.undecidedNext = 1;
    const records = [counted(1, 'a', 'e1'), counted(2, 'b', 'e2'), counted(3, 'a', 'e1', ARRIVED)];

    const verdicts = await classifyCopies(records, notApplied, { copies: finder }, FAR());

    expect(verdicts.get(seq(3))).toEqual({ kind: 'duplicate', original: seq(1), originalShardId: SHARD });
    expect(verdicts.size).toBe(1);
  });

  it('finds the original in the shard before the batch, within the mark less the skew', async () => {
    const finder = new MemoryCopyFinder();
    finder.append(SHARD, bytesOf('a', 'e1'), { sequenceNumber: seq(1), arrivedAt: ARRIVED + 1_000 });
    finder.append(SHARD, bytesOf('a', 'e9'), { sequenceNumber: seq(2), arrivedAt: ARRIVED + 2_000 });
    const copy = counted(40, 'a', 'e1', ARRIVED + 5_000);

    const verdicts = await classifyCopies([copy], notApplied, { copies: finder, copySkewMs: 30_000 }, FAR());

    expect(verdicts.get(seq(40))).toEqual({ kind: 'duplicate', original: seq(1), originalShardId: SHARD });
  });

  it('applies a marked record whose (source, id) is not earlier in the window', async () => {
    const finder = new MemoryCopyFinder();
    finder.append(SHARD, bytesOf('a', 'e1'), { sequenceNumber: seq(1), arrivedAt: ARRIVED });
    finder.append(SHARD, bytesOf('a', 'e2'), { sequenceNumber: seq(2), arrivedAt: ARRIVED + 100_000 });
    // e1 arrived 100 s before the mark, outside a 30 s skew; e2 is another event.
    const records = [counted(50, 'a', 'e1', ARRIVED + 130_000), counted(51, 'a', 'e3', ARRIVED + 1)];

    const verdicts = await classifyCopies(records, notApplied, { copies: finder, copySkewMs: 30_000 }, FAR());

    expect(verdicts.size).toBe(0);
  });

  it("looks in the parent shard when the copy's shard is a split's child", async () => {
    const child = 'shardId-000000000002';
    const finder = new MemoryCopyFinder(new MemoryShardDirectory({ [child]: [SHARD] }));
    finder.append(SHARD, bytesOf('a', 'e1'), { sequenceNumber: seq(7), arrivedAt: ARRIVED + 1_000 });
    const copy = counted(60, 'a', 'e1', ARRIVED, child);

    const verdicts = await classifyCopies([copy], notApplied, { copies: finder }, FAR());

    expect(verdicts.get(seq(60))).toEqual({ kind: 'duplicate', original: seq(7), originalShardId: SHARD });
  });

  it('stops at the first undecided record, leaving later marked records unclassified', async () => {
    const finder = new MemoryCopyFinder();
    finder.undecidedNext = 1;
    const records = [counted(1, 'a', 'e1'), counted(2, 'b', 'e2', ARRIVED), counted(3, 'a', 'e1', ARRIVED)];

    const verdicts = await classifyCopies(records, notApplied, { copies: finder }, FAR());

    expect(verdicts.get(seq(2))?.kind).toBe('undecided');
    expect(verdicts.has(seq(3))).toBe(false);
  });

  it('is undecided once the deadline has passed, and without a copy finder', async () => {
    const records = [counted(2, 'b', 'e2', ARRIVED)];

    const late = await classifyCopies(
      records,
      notApplied,
      { copies: new MemoryCopyFinder() },
      Date.now() - 1,
    );
    const blind = await classifyCopies(records, notApplied, {}, FAR());

    expect(late.get(seq(2))?.kind).toBe('undecided');
    expect(blind.get(seq(2))?.kind).toBe('undecided');
  });

  it('does not classify marked records that are already applied', async () => {
    const finder = new MemoryCopyFinder();
    finder.undecidedNext = 1;
    const records = [counted(1, 'a', 'e1', ARRIVED), counted(2, 'a', 'e2')];

    const verdicts = await classifyCopies(
      records,
      (r) => r.kinesis.sequenceNumber === seq(1),
      { copies: finder },
      FAR(),
    );

    expect(verdicts.size).toBe(0);
  });
});

const add: EventHandler = (event, ctx) => {
  const data = event.data as { counter: string; by: number };
  ctx.update('totals', data.counter, { add: { total: data.by } });
};

const consumerWith = (finder: MemoryCopyFinder, parallelizationFactor = 1) => {
  const { __validated: _, ...spec } = testCatalog;
  const catalog = defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({ ...sub, parallelizationFactor })),
    })),
  });
  const store = new MemoryConsumerStore(['totals', 'limits']);
  const consumer = defineConsumer(
    { catalog, service: 'counter', handlers: { Counted: add } },
    { env, store, copies: finder, logReaders: false },
  );
  return { store, consumer };
};

const total = async (store: MemoryConsumerStore, counter: string) =>
  (await store.getItem('totals', counter))?.total;

describe('consumer runtime with copies in the log', () => {
  it('skips a duplicate and moves the checkpoint past it', async () => {
    const { store, consumer } = consumerWith(new MemoryCopyFinder());
    const records = [counted(1, 'a', 'e1'), counted(2, 'a', 'e2'), counted(3, 'a', 'e1', ARRIVED)];

    const response = await consumer(kinesisEvent(records));

    expect(response.batchItemFailures).toEqual([]);
    expect(await total(store, 'a')).toBe(2);
    expect(
      (await store.loadCheckpoint({ service: 'counter', topic: 'counts', shardId: SHARD })).sequenceNumber,
    ).toBe(seq(3));
  });

  it('stops at an undecided copy, commits what came before, and applies it once decided', async () => {
    const finder = new MemoryCopyFinder();
    finder.undecidedNext = 1;
    const { store, consumer } = consumerWith(finder);
    const records = [counted(1, 'a', 'e1'), counted(2, 'b', 'e2', ARRIVED), counted(3, 'b', 'e3')];
    const position = { service: 'counter', topic: 'counts', shardId: SHARD };

    const first = await consumer(kinesisEvent(records));
    const between = await store.loadCheckpoint(position);
    const second = await consumer(kinesisEvent(records.slice(1)));

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
    expect(between.sequenceNumber).toBe(seq(1));
    expect(between.failure).toBeUndefined();
    expect(second.batchItemFailures).toEqual([]);
    expect(await total(store, 'a')).toBe(1);
    expect(await total(store, 'b')).toBe(2);
  });

  it('skips a duplicate with per-key markers at parallelization factor > 1', async () => {
    const finder = new MemoryCopyFinder();
    finder.append(SHARD, bytesOf('k', 'e1'), { sequenceNumber: seq(1), arrivedAt: ARRIVED + 1_000 });
    const { store, consumer } = consumerWith(finder, 2);
    const position = { service: 'counter', topic: 'counts', shardId: SHARD };

    await consumer(kinesisEvent([counted(1, 'k', 'e1')]));
    const response = await consumer(kinesisEvent([counted(9, 'k', 'e1', ARRIVED), counted(10, 'k', 'e2')]));
    const marker = await store.loadCheckpoints(position, [keyMarkerSk(SHARD, 'k')]);

    expect(response.batchItemFailures).toEqual([]);
    expect(await total(store, 'k')).toBe(2);
    expect(marker.get(keyMarkerSk(SHARD, 'k'))?.sequenceNumber).toBe(seq(10));
  });
});
