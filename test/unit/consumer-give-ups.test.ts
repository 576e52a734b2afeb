import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type ConsumerStore,
  defineConsumer,
  type EventHandler,
  type KinesisHandler,
  MemoryConsumerStore,
} from '../../shared/consumer';
import { lambdaContext } from '../fixtures/apigw';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

const env = testStreamEnv;
const position = { service: 'counter', topic: 'counts', shardId: 'shardId-000000000000' };

const counted = (n: number, counter: string, by = 1) =>
  kinesisRecord({
    stream: 'counts-stream',
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: envelopeOf('Counted', { counter, by }, counter, `e${n}`),
  });

const adding: EventHandler = (event, ctx) => {
  const { counter, by } = event.data as { counter: string; by: number };
  ctx.update('totals', counter, { add: { total: by } });
};

const consumerOn = (store: ConsumerStore, handler: EventHandler = adding) =>
  defineConsumer(
    { catalog: testCatalog, service: 'counter', handlers: { Counted: handler } },
    { env, store, logReaders: false },
  );

/** Invokes as the mapping does with MaximumRetryAttempts -1: retries the reported tail until none is left. */
const untilDone = async (
  invoke: KinesisHandler,
  records: ReturnType<typeof counted>[],
  remainingMs = 60_000,
  limit = 30,
) => {
  let from = 0;
  let invocations = 0;
  while (from < records.length && invocations < limit) {
    invocations += 1;
    const response = await invoke(kinesisEvent(records.slice(from)), lambdaContext(remainingMs));
    const failed = response.batchItemFailures[0]?.itemIdentifier;
    from = failed ? records.findIndex((r) => r.kinesis.sequenceNumber === failed) : records.length;
  }
  return { invocations, done: from >= records.length };
};

const conflict = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: [{ Code: 'TransactionConflict' }],
  });

describe('consumer runtime give-ups (memory store)', () => {
  it('never counts infrastructure failures as attempts: five TransactionConflicts at maxAttempts 3 park nothing', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    store.failNextCommits.push(conflict(), conflict(), conflict(), conflict(), conflict());
    const records = [counted(1, 'a', 2), counted(2, 'b', 3)];

    // Act
    const { invocations, done } = await untilDone(consumerOn(store), records);

    // Assess
    expect(done).toBe(true);
    expect(invocations).toBe(6);
    expect(store.parked).toEqual([]);
    expect((await store.getItem('totals', 'a'))?.total).toBe(2);
    expect((await store.getItem('totals', 'b'))?.total).toBe(3);
  });

  it('answers before the deadline: stops starting events and retries from the next one, not an attempt', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    let clock = 10_000;
    const slow: EventHandler = async (event, ctx) => {
      clock -= 3_000;
      await adding(event, ctx);
    };
    const consumer = consumerOn(store, slow);
    const records = [counted(1, 'a'), counted(2, 'a'), counted(3, 'a'), counted(4, 'a')];
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => clock };

    // Act
    const response = await consumer(kinesisEvent(records), context);

    // Assess: 10 s left, 3 s per event, 2 s margin: three events start, the fourth waits.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(4) }]);
    expect((await store.getItem('totals', 'a'))?.total).toBe(3);
    const checkpoint = await store.loadCheckpoint(position);
    expect(checkpoint.failure).toBeUndefined();
    expect(checkpoint.started).toBeUndefined();
  });

  it('parks a handler that overruns its deadline after maxAttempts, its late writes refused', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const lateWrites: string[] = [];
    const hanging: EventHandler = async (event, ctx) => {
      if (event.key !== 'stuck') return adding(event, ctx);
      await new Promise((r) => setTimeout(r, 1_500));
      try {
        ctx.put('totals', { pk: 'stuck', total: 999 });
      } catch (error) {
        lateWrites.push(String(error));
      }
    };
    const records = [counted(1, 'a'), counted(2, 'stuck'), counted(3, 'a')];

    // Act: 2.1 s left and a 2 s margin give each handler half the time left, 1,050 ms.
    const { done } = await untilDone(consumerOn(store, hanging), records, 2_100);
    // The abandoned attempts wake up later and try to write: wait for all three rather than for a time
    // (a fixed 1.6 s raced their 1.5 s timers on a stalled event loop).
    const lateBy = Date.now() + 30_000;
    while (lateWrites.length < 3 && Date.now() < lateBy) await new Promise((r) => setTimeout(r, 50));

    // Assess
    expect(done).toBe(true);
    expect(store.parked).toHaveLength(1);
    expect(store.parked[0]).toMatchObject({
      sequenceNumber: seq(2),
      attempts: 3,
      data: records[1]?.kinesis.data,
    });
    expect(store.parked[0]?.error).toContain('overran its deadline');
    expect((await store.getItem('totals', 'a'))?.total).toBe(2);
    expect(await store.getItem('totals', 'stuck')).toBeUndefined();
    expect(lateWrites).toHaveLength(3);
  });

  it('an over-large transaction: parked at once with the count and the limit, the other events applied', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const fanOut: EventHandler = (event, ctx) => {
      if (event.key !== 'wide') return adding(event, ctx);
      for (let i = 0; i < 150; i++) ctx.put('totals', { pk: `wide-${i}`, total: i });
    };
    const records = [counted(1, 'a'), counted(2, 'wide'), counted(3, 'a')];

    // Act
    const { invocations, done } = await untilDone(consumerOn(store, fanOut), records);

    // Assess
    expect(done).toBe(true);
    expect(invocations).toBe(1);
    expect(store.parked).toHaveLength(1);
    expect(store.parked[0]?.error).toContain('150 items');
    expect(store.parked[0]?.error).toContain('at most 98');
    expect(await store.getItem('totals', 'wide-0')).toBeUndefined();
    expect((await store.getItem('totals', 'a'))?.total).toBe(2);
  });

  it('isolates the event whose write DynamoDB rejects in a multi-event commit; the others apply', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const big: EventHandler = (event, ctx) => {
      if (event.key !== 'big') return adding(event, ctx);
      ctx.put('totals', { pk: 'big', blob: 'x'.repeat(410 * 1024) });
    };
    const records = [counted(1, 'a'), counted(2, 'b'), counted(3, 'big'), counted(4, 'c')];

    // Act
    const { done } = await untilDone(consumerOn(store, big), records);

    // Assess
    expect(done).toBe(true);
    expect(store.parked.map((p) => [p.sequenceNumber, p.attempts])).toEqual([[seq(3), 3]]);
    for (const key of ['a', 'b', 'c']) expect((await store.getItem('totals', key))?.total).toBe(1);
  });

  it('parks an event that kills the process after maxAttempts careful deaths; the events before it apply once', async () => {
    // Prepare: a container whose store stops answering forever once its handler reaches the killer.
    const shared = new MemoryConsumerStore(['totals', 'limits']);
    const container = () => {
      let dead = false;
      const never = new Promise<never>(() => {});
      const gate = <T>(call: () => Promise<T>): Promise<T> => (dead ? never : call());
      const store: ConsumerStore = {
        loadCheckpoints: (p, sks) => gate(() => shared.loadCheckpoints(p, sks)),
        getItem: (t, pk) => gate(() => shared.getItem(t, pk)),
        readItem: (t, pk) => gate(() => shared.readItem(t, pk)),
        writeFenced: (p, w) => gate(() => shared.writeFenced(p, w)),
        commit: (c) => gate(() => shared.commit(c)),
        recordFailure: (p, sk, e, f, t) => gate(() => shared.recordFailure(p, sk, e, f, t)),
        markStarted: (p, sk, l, m, f) => gate(() => shared.markStarted(p, sk, l, m, f)),
        clearStarted: (p, sk, t) => gate(() => shared.clearStarted(p, sk, t)),
        loadOutbox: (p) => gate(() => shared.loadOutbox(p)),
        deleteOutbox: (p, sks) => gate(() => shared.deleteOutbox(p, sks)),
        claimOutbox: (p, sk, l, t) => gate(() => shared.claimOutbox(p, sk, l, t)),
        sweepTombstones: (p) => gate(() => shared.sweepTombstones(p)),
      };
      const handler: EventHandler = async (event, ctx) => {
        if (event.key === 'killer') {
          dead = true;
          return never;
        }
        return adding(event, ctx);
      };
      return consumerOn(store, handler);
    };
    const records = [counted(1, 'a'), counted(2, 'b'), counted(3, 'killer'), counted(4, 'a')];

    // Act: each dead invocation never answers; the mapping times it out and a fresh container retries.
    let deaths = 0;
    let answer: Awaited<ReturnType<KinesisHandler>> | undefined;
    while (!answer && deaths < 10) {
      const outcome = await Promise.race([
        container()(kinesisEvent(records)),
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 200)),
      ]);
      if (outcome === 'timeout') deaths += 1;
      else answer = outcome;
    }

    // Assess: one uncounted death in normal mode, then maxAttempts (3) careful deaths on the killer.
    expect(answer?.batchItemFailures).toEqual([]);
    expect(deaths).toBe(4);
    expect(shared.parked).toHaveLength(1);
    expect(shared.parked[0]).toMatchObject({ sequenceNumber: seq(3), attempts: 3 });
    expect(shared.parked[0]?.error).toContain('died 3 time(s)');
    expect((await shared.getItem('totals', 'a'))?.total).toBe(2);
    expect((await shared.getItem('totals', 'b'))?.total).toBe(1);
  });

  it('writes one attempt-start mark per invocation on the normal path', async () => {
    // Prepare
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const records = Array.from({ length: 50 }, (_, i) => counted(i + 1, `k${i}`));

    // Act
    await consumerOn(store)(kinesisEvent(records));

    // Assess
    expect(store.starts).toBe(1);
    expect(store.commits).toBe(1);
    expect((await store.loadCheckpoint(position)).started).toBeUndefined();
  });
});
