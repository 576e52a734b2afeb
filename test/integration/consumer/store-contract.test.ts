import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Condition,
  type ConsumerStore,
  MemoryConsumerStore,
  type OutboxEntry,
  type ShardPosition,
  type StateWrite,
} from '../../../shared/consumer';
import { milestoneEntry } from '../../fixtures/outbox';
import { type Emulators, startEmulators } from '../helpers/emulators';
import { createRuntimeTables, dynamoStore } from './harness';

let emulators: Emulators | undefined;
let dynamo: ConsumerStore | undefined;

beforeAll(async () => {
  emulators = await startEmulators();
  await createRuntimeTables(emulators.dynamo);
  dynamo = dynamoStore(emulators.dynamo);
});

afterAll(async () => {
  await emulators?.stop();
});

const entry = (n: number): OutboxEntry => milestoneEntry(n);

let runs = 0;
/** A fresh shard per test, so both stores start from an empty outbox partition. */
const freshPosition = (): ShardPosition => {
  runs += 1;
  return { service: 'counter', topic: 'counts', shardId: `shardId-contract-${Date.now()}-${runs}` };
};

const stores: [string, () => ConsumerStore][] = [
  ['MemoryConsumerStore', () => new MemoryConsumerStore(['totals', 'limits'])],
  [
    'DynamoDB store (DynamoDB Local)',
    () => {
      if (!dynamo) throw new Error('DynamoDB Local did not start');
      return dynamo;
    },
  ],
];

describe.each(stores)('%s outbox claims (store contract)', (_name, makeStore) => {
  it('excludes another token within the lease, and recognises its own claim when retried', async () => {
    const store = makeStore();
    const position = freshPosition();
    await store.commit({ position, moves: [], writes: [], outbox: [entry(1)] });

    const first = await store.claimOutbox(position, entry(1).sk, 60_000, 'me');
    const retried = await store.claimOutbox(position, entry(1).sk, 60_000, 'me');
    const other = await store.claimOutbox(position, entry(1).sk, 60_000, 'other');

    expect([first, retried, other]).toEqual([true, true, false]);
  });

  it('lets another token take a claim whose lease ran out', async () => {
    const store = makeStore();
    const position = freshPosition();
    await store.commit({ position, moves: [], writes: [], outbox: [entry(1)] });

    await store.claimOutbox(position, entry(1).sk, 60_000, 'dead');
    const taken = await store.claimOutbox(position, entry(1).sk, -1, 'me');
    const back = await store.claimOutbox(position, entry(1).sk, 60_000, 'dead');

    expect([taken, back]).toEqual([true, false]);
  });

  it('loads each entry with its claim, so recovery sees a hold before it writes', async () => {
    const store = makeStore();
    const position = freshPosition();
    await store.commit({ position, moves: [], writes: [], outbox: [entry(1), entry(2)] });
    const before = Date.now();

    await store.claimOutbox(position, entry(2).sk, 60_000, 'other');
    const loaded = await store.loadOutbox(position);

    expect(loaded.map((e) => [e.sk, e.claim?.token])).toEqual([
      [entry(1).sk, undefined],
      [entry(2).sk, 'other'],
    ]);
    expect(loaded[1]?.claim?.at).toBeGreaterThanOrEqual(before);
  });

  it('deletes idempotently, and a deleted entry cannot be claimed', async () => {
    const store = makeStore();
    const position = freshPosition();
    await store.commit({ position, moves: [], writes: [], outbox: [entry(1), entry(2)] });

    await store.deleteOutbox(position, [entry(1).sk]);
    await store.deleteOutbox(position, [entry(1).sk]);
    const claimDeleted = await store.claimOutbox(position, entry(1).sk, 60_000, 'me');
    const left = await store.loadOutbox(position);

    expect(claimDeleted).toBe(false);
    expect(left.map((e) => e.sk)).toEqual([entry(2).sk]);
  });
});

/** A key no other test used, so both stores start from a missing item. */
const freshKey = (): string => {
  runs += 1;
  return `item-${Date.now()}-${runs}`;
};

const writeAll = (store: ConsumerStore, ...writes: StateWrite[]) =>
  store.commit({ position: freshPosition(), moves: [], writes });

/** What a commit did, comparable across stores: ok, the cancellation reasons, or the error's name. */
const outcome = (commit: Promise<void>): Promise<string> =>
  commit.then(
    () => 'ok',
    (error: unknown) =>
      error instanceof TransactionCanceledException
        ? `cancelled: ${(error.CancellationReasons ?? []).map((r) => r.Code).join(', ')}`
        : error instanceof Error
          ? error.name
          : String(error),
  );

describe.each(stores)('%s typed state operations (store contract)', (_name, makeStore) => {
  it('appends to a missing list, then to the stored one', async () => {
    const store = makeStore();
    const pk = freshKey();

    await writeAll(store, { kind: 'update', table: 'totals', pk, update: { append: { ids: ['a'] } } });
    await writeAll(store, { kind: 'update', table: 'totals', pk, update: { append: { ids: ['b', 'c'] } } });

    expect(await store.getItem('totals', pk)).toEqual({ pk, ids: ['a', 'b', 'c'] });
  });

  it('sets several attributes at once, and setIfAbsent keeps what is there', async () => {
    const store = makeStore();
    const pk = freshKey();
    await writeAll(store, { kind: 'put', table: 'totals', item: { pk, ids: ['x'], name: 'old' } });

    await writeAll(store, {
      kind: 'update',
      table: 'totals',
      pk,
      update: {
        set: { name: 'Ada', email: 'ada@example.com', tags: { a: 1 } },
        setIfAbsent: { ids: [], since: 7 },
      },
    });

    expect(await store.getItem('totals', pk)).toEqual({
      pk,
      ids: ['x'],
      name: 'Ada',
      email: 'ada@example.com',
      tags: { a: 1 },
      since: 7,
    });
  });

  it('adds to a missing number as to 0, in decimal', async () => {
    const store = makeStore();
    const pk = freshKey();

    await writeAll(store, { kind: 'update', table: 'totals', pk, update: { add: { total: 0.1, n: 2 } } });
    await writeAll(store, { kind: 'update', table: 'totals', pk, update: { add: { total: 0.2, n: -5 } } });

    expect(await store.getItem('totals', pk)).toEqual({ pk, total: 0.3, n: -3 });
  });

  it('removes attributes, and an update of a missing item creates it with its key', async () => {
    const store = makeStore();
    const kept = freshKey();
    const created = freshKey();
    await writeAll(store, { kind: 'put', table: 'totals', item: { pk: kept, a: 1, b: 2 } });

    await writeAll(
      store,
      { kind: 'update', table: 'totals', pk: kept, update: { remove: ['a', 'missing'] } },
      { kind: 'update', table: 'totals', pk: created, update: { remove: ['a'] } },
    );

    expect(await store.getItem('totals', kept)).toEqual({ pk: kept, b: 2 });
    expect(await store.getItem('totals', created)).toEqual({ pk: created });
  });

  it('reads a missing item as undefined and deletes it without complaint', async () => {
    const store = makeStore();
    const pk = freshKey();

    const deleted = await outcome(writeAll(store, { kind: 'delete', table: 'totals', pk }));

    expect(deleted).toBe('ok');
    expect(await store.getItem('totals', pk)).toBeUndefined();
  });

  it('writes when the condition holds, and cancels the whole commit when one fails', async () => {
    const store = makeStore();
    const first = freshKey();
    const second = freshKey();
    const createOnly = { pk: { exists: false } } as const;

    const created = await outcome(
      writeAll(store, { kind: 'put', table: 'totals', item: { pk: first, n: 1 }, if: createOnly }),
    );
    const again = await outcome(
      writeAll(
        store,
        { kind: 'put', table: 'totals', item: { pk: second, n: 1 }, if: createOnly },
        { kind: 'put', table: 'totals', item: { pk: first, n: 2 }, if: createOnly },
      ),
    );
    const guarded = await outcome(
      writeAll(store, {
        kind: 'update',
        table: 'totals',
        pk: first,
        update: { add: { n: 1 } },
        if: { n: { eq: 1 } },
      }),
    );
    const deleteMissing = await outcome(
      writeAll(store, { kind: 'delete', table: 'totals', pk: second, if: { pk: { exists: true } } }),
    );

    expect([created, again, guarded, deleteMissing]).toEqual([
      'ok',
      'cancelled: None, ConditionalCheckFailed',
      'ok',
      'cancelled: ConditionalCheckFailed',
    ]);
    expect(await store.getItem('totals', first)).toEqual({ pk: first, n: 2 });
    expect(await store.getItem('totals', second)).toBeUndefined();
  });

  it('evaluates comparisons, size, beginsWith and combinators as DynamoDB does', async () => {
    const store = makeStore();
    const pk = freshKey();
    const item = { pk, n: 5, s: 'héllo', wide: '\uff61', l: [1, 2], m: { x: 1 }, b: true, z: null };
    await writeAll(store, { kind: 'put', table: 'totals', item });
    const cases: Condition[] = [
      { missing: { eq: 1 } },
      { missing: { ne: 1 } },
      { n: { ne: '5' } },
      { n: { eq: 5.0, ge: 5, lt: 6 } },
      { n: { lt: '9' } },
      { s: { lt: 'hz' } },
      { wide: { lt: '\u{1f600}' } },
      { s: { size: { eq: 5 } } },
      { n: { size: { eq: 1 } } },
      { missing: { size: { ne: 0 } } },
      { m: { size: { eq: 1 } }, l: { size: { gt: 1 } } },
      { l: { eq: [1, 2] }, m: { eq: { x: 1 } } },
      { z: { eq: null }, b: { eq: true } },
      { s: { beginsWith: 'hé' } },
      { n: { beginsWith: '5' } },
      { $not: { missing: { ne: 1 } } },
      { $or: [{ n: { gt: 5 } }, { b: { exists: true } }] },
      { $and: [{ n: { gt: 4 } }, { z: { exists: false } }] },
    ];

    const results: string[] = [];
    for (const [i, condition] of cases.entries())
      results.push(
        await outcome(
          writeAll(store, {
            kind: 'update',
            table: 'totals',
            pk,
            update: { set: { checked: i } },
            if: condition,
          }),
        ),
      );

    const t = 'ok';
    const f = 'cancelled: ConditionalCheckFailed';
    expect(results).toEqual([f, t, t, t, f, f, t, t, f, t, t, t, t, t, f, f, t, f]);
    expect(await store.getItem('totals', pk)).toEqual({ ...item, checked: 16 });
  });

  it('refuses add and append on an attribute of another type, changing nothing', async () => {
    const store = makeStore();
    const pk = freshKey();
    await writeAll(store, { kind: 'put', table: 'totals', item: { pk, s: 'text', n: 1 } });

    const add = await outcome(
      writeAll(store, { kind: 'update', table: 'totals', pk, update: { add: { s: 1 } } }),
    );
    const append = await outcome(
      writeAll(store, { kind: 'update', table: 'totals', pk, update: { append: { n: [1] } } }),
    );

    expect([add, append]).toEqual(['ValidationException', 'ValidationException']);
    expect(await store.getItem('totals', pk)).toEqual({ pk, s: 'text', n: 1 });
  });
});
