import { describe, expect, it } from 'vitest';
import {
  type AttemptStart,
  type ConsumerStore,
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
} from '../../shared/consumer';
import { lambdaContext } from '../fixtures/apigw';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

const env = testStreamEnv;
const position = { service: 'counter', topic: 'counts', shardId: 'shardId-000000000000' };

const counted = (n: number, counter: string) =>
  kinesisRecord({
    stream: 'counts-stream',
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: envelopeOf('Counted', { counter, by: 1 }, counter, `e${n}`),
  });

const adding: EventHandler = (event, ctx) => {
  const { counter, by } = event.data as { counter: string; by: number };
  ctx.update('totals', counter, { add: { total: by } });
};

const consumerOn = (store: ConsumerStore) =>
  defineConsumer(
    { catalog: testCatalog, service: 'counter', handlers: { Counted: adding } },
    { env, store, logReaders: false },
  );

/** A mark another invocation left at `n`, its deadline `deadlineInMs` from now (negative: passed). */
const markOf = (n: number, deadlineInMs: number, careful = false): AttemptStart => ({
  seq: seq(n),
  token: 'other-invocation',
  careful,
  at: Date.now() - 1_000,
  deadline: Date.now() + deadlineInMs,
});

const leaveMark = (store: MemoryConsumerStore, mark: AttemptStart) =>
  store.markStarted(position, position.shardId, { expected: undefined, previousToken: undefined }, mark);

const records = () => [counted(1, 'a'), counted(2, 'b'), counted(3, 'c')];

describe('attempt marks (startAttempt, memory store)', () => {
  it('answers busy on a live mark: no work, the mark left alone, no attempt, not careful', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    await leaveMark(store, markOf(1, 30_000));

    // Act
    const response = await consumerOn(store)(kinesisEvent(records()), lambdaContext(60_000));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(1) }]);
    expect(await store.getItem('totals', 'a')).toBeUndefined();
    const checkpoint = await store.loadCheckpoint(position);
    expect(checkpoint.started?.token).toBe('other-invocation');
    expect(checkpoint.failure).toBeUndefined();
    expect(store.commits).toBe(0);
  });

  it('reads an expired mark at its first record as a death: careful mode, one commit per event, no attempt', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    await leaveMark(store, markOf(1, -5_000));

    // Act
    const response = await consumerOn(store)(kinesisEvent(records()), lambdaContext(60_000));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(store.commits).toBe(3);
    for (const key of ['a', 'b', 'c']) expect((await store.getItem('totals', key))?.total).toBe(1);
    expect(store.parked).toEqual([]);
  });

  it('counts an expired careful mark as a death of its event: parked at maxAttempts', async () => {
    // Prepare: two careful deaths already recorded on seq(1); maxAttempts is 3.
    const store = new MemoryConsumerStore(['totals', 'limits']);
    await store.recordFailure(position, position.shardId, undefined, {
      sequenceNumber: seq(1),
      attempts: 2,
      error: 'InvocationDiedError: the invocation died 2 time(s)',
    });
    await leaveMark(store, markOf(1, -5_000, true));

    // Act
    const response = await consumerOn(store)(kinesisEvent(records()), lambdaContext(60_000));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(store.parked.map((p) => [p.sequenceNumber, p.attempts])).toEqual([[seq(1), 3]]);
    expect(store.parked[0]?.error).toContain('died 3 time(s)');
    expect(await store.getItem('totals', 'a')).toBeUndefined();
    expect((await store.getItem('totals', 'b'))?.total).toBe(1);
  });

  it('never counts a live careful mark: its duplicate answers busy and the event is not parked', async () => {
    // Prepare: the same history as above, but the careful invocation is still within its deadline.
    const store = new MemoryConsumerStore(['totals', 'limits']);
    await store.recordFailure(position, position.shardId, undefined, {
      sequenceNumber: seq(1),
      attempts: 2,
      error: 'InvocationDiedError: the invocation died 2 time(s)',
    });
    await leaveMark(store, markOf(1, 30_000, true));

    // Act
    const response = await consumerOn(store)(kinesisEvent(records()), lambdaContext(60_000));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(1) }]);
    expect(store.parked).toEqual([]);
    expect((await store.loadCheckpoint(position)).failure?.attempts).toBe(2);
  });

  it('answers busy when it loses the race for the mark write: no attempt, the winner keeps its mark', async () => {
    // Prepare: another invocation writes its mark between this one's load and its own mark write.
    const shared = new MemoryConsumerStore(['totals', 'limits']);
    const store: ConsumerStore = {
      loadCheckpoints: async (p, sks) => {
        const loaded = await shared.loadCheckpoints(p, sks);
        await leaveMark(shared, markOf(1, 30_000));
        return loaded;
      },
      getItem: (t, pk) => shared.getItem(t, pk),
      readItem: (t, pk) => shared.readItem(t, pk),
      writeFenced: (p, w) => shared.writeFenced(p, w),
      commit: (c) => shared.commit(c),
      recordFailure: (p, sk, e, f, t) => shared.recordFailure(p, sk, e, f, t),
      markStarted: (p, sk, l, m, f) => shared.markStarted(p, sk, l, m, f),
      clearStarted: (p, sk, t) => shared.clearStarted(p, sk, t),
      loadOutbox: (p) => shared.loadOutbox(p),
      deleteOutbox: (p, sks) => shared.deleteOutbox(p, sks),
      claimOutbox: (p, sk, l, t) => shared.claimOutbox(p, sk, l, t),
      sweepTombstones: (p) => shared.sweepTombstones(p),
    };

    // Act
    const response = await consumerOn(store)(kinesisEvent(records()), lambdaContext(60_000));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(1) }]);
    const checkpoint = await shared.loadCheckpoint(position);
    expect(checkpoint.started?.token).toBe('other-invocation');
    expect(checkpoint.failure).toBeUndefined();
    expect(shared.commits).toBe(0);
  });

  it('writes its own deadline on the mark, so a later invocation can tell it alive', async () => {
    // Prepare: a handler that looks at the mark while the invocation runs.
    const store = new MemoryConsumerStore(['totals', 'limits']);
    let seen: AttemptStart | undefined;
    const peeking: EventHandler = async (event, ctx) => {
      seen ??= (await store.loadCheckpoint(position)).started;
      return adding(event, ctx);
    };
    const handler = defineConsumer(
      { catalog: testCatalog, service: 'counter', handlers: { Counted: peeking } },
      { env, store, logReaders: false },
    );

    // Act
    const before = Date.now();
    await handler(kinesisEvent(records()), lambdaContext(45_000));

    // Assess
    expect(seen?.deadline).toBeGreaterThanOrEqual(before + 45_000);
    expect(seen?.deadline).toBeLessThanOrEqual(Date.now() + 45_000);
    expect((await store.loadCheckpoint(position)).started).toBeUndefined();
  });
});
