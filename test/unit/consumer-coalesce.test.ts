import { describe, expect, it } from 'vitest';
import {
  type Commit,
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
  type StateItem,
  type StateWrite,
} from '../../shared/consumer';
import { foldWrite, updatedImage } from '../../shared/consumer/fold';
import { PendingWrites } from '../../shared/consumer/pending';
import { MAX_COMMIT_BYTES } from '../../shared/consumer/store';
import { testCatalog, testCatalogCoalescing, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

/** Applies writes one commit each on a memory store holding `stored` under pk `k`; returns what is left. */
const afterWrites = async (stored: StateItem | undefined, writes: readonly StateWrite[]) => {
  const store = new MemoryConsumerStore(['totals']);
  const position = { service: 'counter', topic: 'counts', shardId: 's' };
  if (stored)
    await store.commit({ position, moves: [], writes: [{ kind: 'put', table: 'totals', item: stored }] });
  for (const w of writes) await store.commit({ position, moves: [], writes: [w] });
  return store.getItem('totals', 'k');
};

const put = (item: Record<string, unknown>): StateWrite => ({
  kind: 'put',
  table: 'totals',
  item: { pk: 'k', ...item },
});
const del: StateWrite = { kind: 'delete', table: 'totals', pk: 'k' };
const upd = (update: Record<string, unknown>): StateWrite => ({
  kind: 'update',
  table: 'totals',
  pk: 'k',
  update,
});

const stored = { pk: 'k', n: 5, l: ['s'], s: 'x' };

describe('foldWrite (coalescing rules)', () => {
  const exact: [string, StateWrite, StateWrite, 'put' | 'update' | 'delete'][] = [
    ['put then put: the last image', put({ n: 1 }), put({ s: 'y' }), 'put'],
    ['remove-only update then delete: the delete', upd({ remove: ['n'] }), del, 'delete'],
    ['update then put over a remove-only update: the put', upd({ remove: ['s'] }), put({ n: 3 }), 'put'],
    ['delete then put: the put', del, put({ n: 2 }), 'put'],
    [
      'put then update: a put of the updated image',
      put({ n: 1, l: [] }),
      upd({ add: { n: 2 }, append: { l: [1] } }),
      'put',
    ],
    [
      'delete then update: the key and the update',
      del,
      upd({ add: { n: 2 }, set: { s: 'z' }, remove: ['l'] }),
      'put',
    ],
    ['delete then a remove-only update: the key alone', del, upd({ remove: ['n'] }), 'put'],
    ['add then add: one add of the sum', upd({ add: { n: 0.1 } }), upd({ add: { n: 0.2 } }), 'update'],
    ['add then add of a counter that cancels', upd({ add: { n: 3 } }), upd({ add: { n: -3 } }), 'update'],
    ['set then add: set to the sum', upd({ set: { n: 1 } }), upd({ add: { n: 2 } }), 'update'],
    ['remove then add: set to the addend', upd({ remove: ['n'] }), upd({ add: { n: 4 } }), 'update'],
    ['append then append: one append', upd({ append: { l: [1] } }), upd({ append: { l: [2, 3] } }), 'update'],
    [
      'set list then append: set to the concatenation',
      upd({ set: { l: [0] } }),
      upd({ append: { l: [1] } }),
      'update',
    ],
    [
      'remove then append: set to the appended',
      upd({ remove: ['l'] }),
      upd({ append: { l: [9] } }),
      'update',
    ],
    ['set then set: the last', upd({ set: { n: 1 } }), upd({ set: { n: 7 } }), 'update'],
    ['set then remove: the remove', upd({ set: { s: 'q' } }), upd({ remove: ['s'] }), 'update'],
    ['remove then setIfAbsent: set', upd({ remove: ['s'] }), upd({ setIfAbsent: { s: 'w' } }), 'update'],
    ['add then setIfAbsent: the add', upd({ add: { m: 1 } }), upd({ setIfAbsent: { m: 9 } }), 'update'],
    [
      'setIfAbsent then setIfAbsent: the first',
      upd({ setIfAbsent: { t: 1 } }),
      upd({ setIfAbsent: { t: 2 } }),
      'update',
    ],
    [
      'disjoint attributes: both clauses',
      upd({ add: { n: 1 } }),
      upd({ append: { l: ['z'] }, set: { s: 'v' } }),
      'update',
    ],
  ];

  it.each(exact)('%s, with the effect of the two in order', async (_name, first, second, kind) => {
    for (const before of [stored, undefined]) {
      const folded = foldWrite(first, second);

      expect(folded?.kind).toBe(kind);
      if (!folded) return;
      expect(await afterWrites(before, [folded])).toEqual(await afterWrites(before, [first, second]));
    }
  });

  it('keeps the first write condition, and an update of a shared counter stays an update', () => {
    const first: StateWrite = { ...upd({ add: { n: 1 } }), if: { n: { exists: true } } };

    const folded = foldWrite(first, upd({ add: { n: 2 } }));

    expect(folded).toEqual({ ...upd({ add: { n: 3 } }), if: { n: { exists: true } } });
  });

  const refused: [string, StateWrite, StateWrite][] = [
    [
      'a second write with its own condition',
      put({ n: 1 }),
      { ...upd({ add: { n: 1 } }), if: { n: { eq: 1 } } },
    ],
    [
      'add onto setIfAbsent (depends on the stored value)',
      upd({ setIfAbsent: { n: 1 } }),
      upd({ add: { n: 1 } }),
    ],
    ['add onto a set string', upd({ set: { n: 'a' } }), upd({ add: { n: 1 } })],
    ['append onto add', upd({ add: { n: 1 } }), upd({ append: { n: [1] } })],
    ['a put image DynamoDB would refuse (add to a string)', put({ n: 'a' }), upd({ add: { n: 1 } })],
    ['a put or delete over an update that may fail alone', upd({ add: { s: 1 } }), put({ n: 1 })],
    ['a set over an add (the add may meet a string)', upd({ add: { s: 1 } }), upd({ set: { s: 'x' } })],
    ['a remove over an append', upd({ append: { s: [1] } }), upd({ remove: ['s'] })],
    [
      'a set over a set of a large value (item size)',
      upd({ set: { s: 'x'.repeat(2048) } }),
      upd({ set: { s: 'y' } }),
    ],
    ['anything over a put DynamoDB may refuse', put({ n: new Set([1]) }), put({ n: 1 })],
    ['a sum a double cannot hold exactly', upd({ add: { n: 2 ** 53 } }), upd({ add: { n: 1 } })],
    ['a put image whose sum would round', put({ n: 2 ** 53 }), upd({ add: { n: 1 } })],
    // Alone, the first add may take a stored 9e125 past DynamoDB's range; folded, it adds 0.
    ['adds of large addends that cancel', upd({ add: { n: 1e125 } }), upd({ add: { n: -1e125 } })],
    ['adds whose sum is large', upd({ add: { n: 6e120 } }), upd({ add: { n: 6e120 } })],
    [
      'adds that cancel at 1e120 (a stored 5 would need 121 digits)',
      upd({ add: { n: 1e120 } }),
      upd({ add: { n: -1e120 } }),
    ],
    ['fractions that cancel', upd({ add: { n: 0.5 } }), upd({ add: { n: -0.5 } })],
    // Found by the differential test on the memory store: a stored -3 plus 2^53 rounds before the 4 is added.
    ['an add onto an add of 2^53', upd({ add: { n: 2 ** 53 } }), upd({ add: { n: 4 } })],
    // Found by the differential test: the SDK's marshaller refuses 2^53, so the setIfAbsent fails alone.
    ['a set over a setIfAbsent of 2^53', upd({ setIfAbsent: { n: 2 ** 53 } }), upd({ set: { n: 0 } })],
    ['a setIfAbsent of 2^53 after a set', upd({ set: { n: 1 } }), upd({ setIfAbsent: { n: 2 ** 53 } })],
    // The later value would be dropped unchecked; alone DynamoDB's marshaller refuses it.
    [
      'a setIfAbsent of an empty Set after a set',
      upd({ set: { s: 'a' } }),
      upd({ setIfAbsent: { s: new Set() } }),
    ],
    [
      'a setIfAbsent of a Date after an add',
      upd({ add: { n: 1 } }),
      upd({ setIfAbsent: { n: new Date(0) } }),
    ],
    [
      'a setIfAbsent of a Date over a put holding it',
      put({ n: 1 }),
      upd({ setIfAbsent: { n: new Date(0) } }),
    ],
    ['a set of a class instance after a delete', del, upd({ set: { s: new (class Box {})() } })],
  ];

  it.each(refused)('does not fold %s', (_name, first, second) => {
    expect(foldWrite(first, second)).toBeUndefined();
  });

  it('does not fold past DynamoDB expression limits (4 KB, 300 operators), the kept condition included', () => {
    const appends = (e: number, count: number) =>
      upd({
        append: Object.fromEntries(Array.from({ length: count }, (_, i) => [`attribute_${e}_${i}`, [e]])),
      });
    const adds = (e: number, count: number) =>
      upd({ add: Object.fromEntries(Array.from({ length: count }, (_, i) => [`a${e}_${i}`, 1])) });
    const condition = {
      $or: Array.from({ length: 60 }, (_, i) => ({ [`c${i}`]: { exists: true } })),
    };

    expect(foldWrite(appends(0, 30), appends(1, 30))).toBeDefined(); // about 3.2 KB
    expect(foldWrite(appends(0, 60), appends(1, 60))).toBeUndefined(); // about 6.5 KB
    expect(foldWrite(adds(0, 100), adds(1, 100))).toBeDefined();
    expect(foldWrite(adds(0, 160), adds(1, 160))).toBeUndefined(); // 320 ADD actions, under 4 KB
    expect(foldWrite({ ...adds(0, 100), if: condition }, adds(1, 100))).toBeUndefined();
    // Found by the differential test: as a put image, an update DynamoDB refuses alone would apply.
    expect(foldWrite(put({ n: 0 }), appends(0, 30))).toBeDefined();
    expect(foldWrite(put({ n: 0 }), appends(0, 80))).toBeUndefined();
    expect(foldWrite(del, appends(0, 80))).toBeUndefined();
    const removes = (count: number) => upd({ remove: Array.from({ length: count }, (_, i) => `r${i}`) });
    expect(foldWrite(removes(10), put({ n: 1 }))).toBeDefined();
    expect(foldWrite(removes(400), put({ n: 1 }))).toBeUndefined();
  });

  it('reads through a pending update exactly, or not at all', () => {
    expect(updatedImage(stored, 'k', { add: { n: 1 }, append: { l: ['t'] } })).toEqual({
      ...stored,
      n: 6,
      l: ['s', 't'],
    });
    expect(updatedImage(undefined, 'k', { remove: ['n'] })).toEqual({ pk: 'k' });
    expect(updatedImage(stored, 'k', { add: { s: 1 } })).toBeUndefined();
  });
});

describe('PendingWrites limits with coalescing', () => {
  const at = (n: number) => ({ sequenceNumber: seq(n), arrivedAt: n });
  const big = (pk: string, bytes: number): StateWrite => ({
    kind: 'put',
    table: 'totals',
    item: { pk, blob: 'x'.repeat(bytes) },
  });

  it('measures the folded size, not the sum of the writes', () => {
    const pending = new PendingWrites();
    const kb150 = 150_000;
    pending.add([big('a', kb150)], [], 's', undefined, at(1), 0, 'u');

    // 30 puts of 150 KB: 4.5 MB summed, over the 3.5 MB limit; folded, one item of 150 KB.
    const joins = Array.from({ length: 29 }, (_, n) => {
      const must = pending.mustCommitBefore([big('a', kb150)], [], 's');
      if (!must) pending.add([big('a', kb150)], [], 's', undefined, at(n + 2), n + 1, 'u');
      return must;
    });

    expect(joins.filter(Boolean)).toEqual([]);
    expect(pending.writes()).toHaveLength(1);
    expect(pending.folds).toBe(29);
    expect(pending.mustCommitBefore([big('b', MAX_COMMIT_BYTES - 100_000)], [], 's')).toBe(true);
    expect(pending.mustCommitBefore([big('b', MAX_COMMIT_BYTES - 300_000)], [], 's')).toBe(false);
  });

  it('counts an item once however many events fold into it, and new items against the 99', () => {
    const pending = new PendingWrites();
    const write = (pk: string): StateWrite => ({
      kind: 'update',
      table: 'totals',
      pk,
      update: { add: { n: 1 } },
    });
    for (let n = 0; n < 97; n++) pending.add([write(`k${n}`)], [], 's', undefined, at(n), n, 'u');

    expect(pending.mustCommitBefore([write('k1')], [], 's')).toBe(false);
    expect(pending.mustCommitBefore([write('k97')], [], 's')).toBe(false);
    expect(pending.mustCommitBefore([write('k97'), write('k98')], [], 's')).toBe(true);
  });

  it('with coalescing off, any pending item forces a commit', () => {
    const pending = new PendingWrites(false);
    pending.add([upd({ add: { n: 1 } })], [], 's', undefined, at(1), 0, 'u');

    expect(pending.mustCommitBefore([upd({ add: { n: 1 } })], [], 's')).toBe(true);
    expect(pending.overlay('totals', 'k')).toEqual({ known: false });
  });
});

const counted = (n: number, counter: string, by = 1) =>
  kinesisRecord({
    stream: 'counts-stream',
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: envelopeOf('Counted', { counter, by }, counter, `e${n}`),
  });

/** A consumer whose store records every commit it was asked for. */
const consumerOf = (coalesce: boolean | undefined, handler: EventHandler) => {
  const store = new MemoryConsumerStore(['totals', 'limits']);
  const commits: Commit[] = [];
  const commit = store.commit.bind(store);
  store.commit = async (c: Commit) => {
    commits.push(c);
    await commit(c);
  };
  const catalog = coalesce === undefined ? testCatalog : testCatalogCoalescing(coalesce);
  const consumer = defineConsumer(
    { catalog, service: 'counter', handlers: { Counted: handler } },
    { env: testStreamEnv, store, logReaders: false },
  );
  return { store, commits, consumer };
};

describe('coalescing in the consumer runtime', () => {
  const add: EventHandler = (event, ctx) => {
    const { counter, by } = event.data as { counter: string; by: number };
    ctx.update('totals', counter, { add: { total: by }, append: { seen: [event.id] } });
  };
  const records = [counted(1, 'a', 2), counted(2, 'b', 1), counted(3, 'a', 3), counted(4, 'a', 4)];

  // Coalescing off, each event's one item goes alone as a fenced write (docs/consumer-single-item.md)
  // and the checkpoint moves once; on, they fold into one transaction.
  it.each([
    [undefined, 1, 0],
    [true, 1, 0],
    [false, 1, 4],
  ])(
    'coalesce %s: %i commit(s) and %i single writes, the same state',
    async (coalesce, commitCount, singles) => {
      const { store, commits, consumer } = consumerOf(coalesce, add);

      await consumer(kinesisEvent(records));

      expect(commits).toHaveLength(commitCount);
      expect(store.singleWrites).toBe(singles);
      expect(await store.getItem('totals', 'a')).toEqual({ pk: 'a', total: 9, seen: ['e1', 'e3', 'e4'] });
    },
  );

  it('reads an item with a pending update as stored plus the update, without committing first', async () => {
    const reads: unknown[] = [];
    const readThenAdd: EventHandler = async (event, ctx) => {
      reads.push((await ctx.get('totals', 'a'))?.total);
      await add(event, ctx);
    };
    for (const coalesce of [true, false]) {
      reads.length = 0;
      const { commits, consumer } = consumerOf(coalesce, readThenAdd);

      await consumer(kinesisEvent(records));

      expect(reads).toEqual([undefined, 2, 2, 5]);
      // Coalescing off, event 1 (read and wrote `a` only) went alone: one transaction fewer.
      expect(commits).toHaveLength(coalesce ? 1 : 2);
    }
  });

  it('retries a rejected folded commit event by event with each event’s own writes', async () => {
    // Event 3 creates `c` only if it is absent; it is there, so event 3 is the culprit.
    const handler: EventHandler = (event, ctx) => {
      const { counter, by } = event.data as { counter: string; by: number };
      if (event.id === 'e3') ctx.put('totals', { pk: 'c', by }, { if: { pk: { exists: false } } });
      ctx.update('totals', counter, { add: { total: by } });
    };
    const { store, commits, consumer } = consumerOf(true, handler);
    const position = { service: 'counter', topic: 'other', shardId: 's' };
    await store.commit({
      position,
      moves: [],
      writes: [{ kind: 'put', table: 'totals', item: { pk: 'c' } }],
    });
    commits.length = 0;
    const batch = [counted(1, 'a', 1), counted(2, 'b', 1), counted(3, 'a', 2), counted(4, 'a', 3)];

    const response = await consumer(kinesisEvent(batch));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(3) }]);
    expect(commits[0]?.writes).toContainEqual(
      expect.objectContaining({ pk: 'a', update: { add: { total: 6 } } }),
    );
    const retried = commits.slice(1, 3).map((c) => c.writes.map(({ fences: _, ...w }) => w));
    expect(retried).toEqual([
      [{ kind: 'update', table: 'totals', pk: 'a', update: { add: { total: 1 } } }],
      [{ kind: 'update', table: 'totals', pk: 'b', update: { add: { total: 1 } } }],
    ]);
    expect(await store.getItem('totals', 'a')).toEqual({ pk: 'a', total: 1 });
  });

  it('drops the events folded behind a pending write whose own condition fails', async () => {
    const handler: EventHandler = (event, ctx) => {
      const { counter, by } = event.data as { counter: string; by: number };
      const guard = event.id === 'e2' ? { if: { total: { exists: true } } } : {};
      ctx.update('totals', counter, { add: { total: by } }, guard);
    };
    const { store, commits, consumer } = consumerOf(true, handler);

    const response = await consumer(
      kinesisEvent([counted(1, 'z', 1), counted(2, 'a', 1), counted(3, 'a', 5)]),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
    expect(commits[0]?.writes).toContainEqual(
      expect.objectContaining({ pk: 'a', update: { add: { total: 6 } }, if: { total: { exists: true } } }),
    );
    expect(await store.getItem('totals', 'z')).toEqual({ pk: 'z', total: 1 });
    expect(await store.getItem('totals', 'a')).toBeUndefined();
  });

  it('commits first when a later write to a pending item has its own condition', async () => {
    const handler: EventHandler = (event, ctx) => {
      const { counter, by } = event.data as { counter: string; by: number };
      const guard = event.id === 'e2' ? { if: { total: { exists: true } } } : {};
      ctx.update('totals', counter, { add: { total: by } }, guard);
    };
    const { store, commits, consumer } = consumerOf(true, handler);

    const response = await consumer(
      kinesisEvent([counted(1, 'a', 1), counted(2, 'a', 2), counted(3, 'a', 4)]),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(commits.map((c) => c.writes.length)).toEqual([1, 1]);
    expect(await store.getItem('totals', 'a')).toEqual({ pk: 'a', total: 7 });
  });
});
