import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type Catalog, defineCatalog } from '../../shared/catalog';
import {
  type Commit,
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
  type StateWrite,
  unitOf,
} from '../../shared/consumer';
import { testCatalogCoalescing, testStreamEnv } from '../fixtures/catalog';
import { kinesisEvent, seq } from '../fixtures/kinesis';
import { mockedDynamoStore } from '../fixtures/mocked-dynamo-store';
import { counted, SHARD } from '../fixtures/single-item';

/** Single-item writes and their fences (docs/consumer-single-item.md), one test per review point. */

const withMaxAge = (catalog: Catalog, maxRecordAgeSeconds: number): Catalog => {
  const { __validated: _, ...spec } = catalog;
  return defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({ ...sub, retry: { ...sub.retry, maxRecordAgeSeconds } })),
    })),
  });
};

/** A consumer on `store` whose next `failCommits` commits throw (a death between fenced writes and the checkpoint). */
const consumerOn = (store: MemoryConsumerStore, handler: EventHandler, catalog: Catalog, failCommits = 0) => {
  let failing = failCommits;
  const commit = store.commit.bind(store);
  store.commit = async (c: Commit) => {
    if (failing > 0) {
      failing -= 1;
      // An infrastructure failure stops the batch as a death would: nothing after it is committed.
      throw Object.assign(new Error('the process died before the checkpoint moved'), {
        name: 'TimeoutError',
      });
    }
    await commit(c);
  };
  return defineConsumer(
    { catalog, service: 'counter', handlers: { Counted: handler } },
    { env: testStreamEnv, store, logReaders: false, backoff: false },
  );
};

const noCoalescing = testCatalogCoalescing(false);

describe('single-item path, point 1: a replayed handler never acts on later state', () => {
  // Routes on what it reads: the first event creates `x`; later ones, seeing `x`, append to `z`.
  const route: EventHandler = async (event, ctx) => {
    const x = await ctx.get('totals', 'x');
    if (!x) ctx.put('totals', { pk: 'x', by: event.id });
    else ctx.update('totals', 'z', { append: { seen: [event.id] } });
  };

  it('a re-run after a death between the fenced write and the checkpoint skips the applied event', async () => {
    // Prepare: e1 goes alone (read and wrote `x`), e2 pends (read `x`, wrote `z`); the commit dies.
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const records = [counted(1, 'a'), counted(2, 'b')];
    await consumerOn(store, route, noCoalescing, 1)(kinesisEvent(records));
    const afterDeath = await store.getItem('totals', 'z');

    // Act: the mapping re-delivers the batch.
    const response = await consumerOn(store, route, noCoalescing)(kinesisEvent(records));

    // Assess: e1's re-run read `x` fenced at e1: applied, so it did not take the `z` branch.
    expect(afterDeath).toBeUndefined();
    expect(store.singleWrites).toBe(1);
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.getItem('totals', 'x')).toEqual({ pk: 'x', by: 'e1' });
    expect(await store.getItem('totals', 'z')).toEqual({ pk: 'z', seen: ['e2'] });
  });
});

describe('single-item path, point 2: an event that may be applied by fence is never parked unrun', () => {
  const add: EventHandler = (event, ctx) => {
    const data = event.data as { counter: string; by: number };
    ctx.update('totals', data.counter, { add: { total: data.by } });
  };

  it('runs an old record inside fencedTo (its fence says applied), parks an old one past it', async () => {
    // Prepare: two records written alone, then a death before the checkpoint moved.
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const old = 700;
    await consumerOn(
      store,
      add,
      withMaxAge(noCoalescing, 10_000),
      1,
    )(kinesisEvent([counted(1, 'a', old), counted(2, 'b', old)]));
    const fencedTo = (await store.loadCheckpoint({ service: 'counter', topic: 'counts', shardId: SHARD }))
      .fencedTo;

    // Act: redelivered with a third record, now all past the 600 s limit.
    const strict = consumerOn(store, add, withMaxAge(noCoalescing, 600));
    await strict(kinesisEvent([counted(1, 'a', old), counted(2, 'b', old), counted(3, 'c', old)]));

    // Assess: only the record no invocation could have written alone is parked; nothing applied twice.
    expect(fencedTo).toBe(seq(2));
    expect(store.parked.map((p) => p.sequenceNumber)).toEqual([seq(3)]);
    expect((await store.getItem('totals', 'a'))?.total).toBe(1);
    expect((await store.getItem('totals', 'b'))?.total).toBe(1);
    expect(await store.getItem('totals', 'c')).toBeUndefined();
    const checkpoint = await store.loadCheckpoint({ service: 'counter', topic: 'counts', shardId: SHARD });
    expect(checkpoint.fencedTo).toBeUndefined();
  });
});

describe('single-item path, point 5: a failed read never decides applied or rejected', () => {
  const position = { service: 'counter', topic: 'counts', shardId: SHARD };
  const write: StateWrite = {
    kind: 'put',
    table: 'totals',
    item: { pk: 'a', n: 1 },
    fences: [{ unit: unitOf('counts', SHARD), first: '5', last: '5' }],
  };
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  const storeOn = () => mockedDynamoStore();

  it('a single write whose condition failed, then whose classifying read is throttled, throws the throttle', async () => {
    const { client, store } = storeOn();
    client.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    client.on(GetCommand).rejects(throttled());

    await expect(store.writeFenced(position, write)).rejects.toMatchObject({ name: 'ThrottlingException' });
    client.restore();
  });

  it('a transaction refused on a fenced write, then a throttled read, throws the throttle', async () => {
    const { client, store } = storeOn();
    client.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      }),
    );
    client.on(GetCommand).rejects(throttled());

    await expect(store.commit({ position, moves: [], writes: [write] })).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    client.restore();
  });
});

describe('single-item path, point 7: handlers never see or write the runtime attributes', () => {
  it('reads come back without spine:* attributes; a handler writing one fails its own attempt', async () => {
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const seen: unknown[] = [];
    const handler: EventHandler = async (event, ctx) => {
      seen.push(await ctx.get('totals', 'a'));
      if (event.id === 'e2') ctx.put('totals', { pk: 'a', 'spine:fence:x': '1' });
      else ctx.update('totals', 'a', { add: { n: 1 } });
    };
    const consumer = consumerOn(store, handler, noCoalescing);

    await consumer(kinesisEvent([counted(1, 'a')]));
    const response = await consumer(kinesisEvent([counted(2, 'a')]));

    expect(Object.keys(store.raw('totals', 'a') ?? {}).some((k) => k.startsWith('spine:'))).toBe(true);
    expect(seen).toEqual([undefined, { pk: 'a', n: 1 }]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
    expect(await store.getItem('totals', 'a')).toEqual({ pk: 'a', n: 1 });
  });
});
