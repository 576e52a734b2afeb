import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerStore,
  isAlreadyAppliedError,
  MemoryConsumerStore,
  type ShardPosition,
  type SingleWrite,
  type StateWrite,
  unitOf,
} from '../../../shared/consumer';
import { TOMBSTONE_GRACE_MS } from '../../../shared/consumer/tombstones';
import { type Emulators, emulatorClient, startEmulators } from '../helpers/emulators';
import { createRuntimeTables, dynamoStore, TABLES } from './harness';

/**
 * Position fences (docs/consumer-single-item.md) held to one behaviour on both stores: what a fenced
 * write leaves, what readers see, how "already applied" is told from the user's condition, and which
 * fences of other units a write prunes.
 */
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

/** The stored item as it is, `spine:*` attributes and tombstones included (what a scan would see). */
type RawRead = (store: ConsumerStore, pk: string) => Promise<Record<string, unknown> | undefined>;

const memoryRaw: RawRead = async (store, pk) => {
  if (!(store instanceof MemoryConsumerStore)) throw new Error('not the memory store');
  return store.raw('totals', pk);
};

const dynamoRaw: RawRead = async (_store, pk) => {
  if (!emulators) throw new Error('DynamoDB Local did not start');
  const doc = DynamoDBDocumentClient.from(emulators.dynamo);
  const out = await doc.send(new GetCommand({ TableName: TABLES.totals, Key: { pk }, ConsistentRead: true }));
  return out.Item;
};

/** What a test may set on a fresh store: the tombstone grace, the clock, and a step after a state item's read. */
interface StoreOptions {
  readonly tombstoneGraceMs?: number;
  readonly now?: () => number;
  /** Runs once, right after the first read of `pk`'s state item (another invocation writing meanwhile). */
  readonly afterRead?: { readonly pk: string; readonly run: () => Promise<unknown> };
}

/** The memory store, whose sweep's read of `afterRead.pk` runs the step before answering. */
const memoryStore = (o: StoreOptions): ConsumerStore => {
  const store = new MemoryConsumerStore(['totals', 'limits'], o);
  const hook = o.afterRead;
  if (hook) {
    let fired = false;
    const read = store.readRaw.bind(store);
    store.readRaw = async (table, key) => {
      const item = await read(table, key);
      if (key === hook.pk && !fired) {
        fired = true;
        await hook.run();
      }
      return item;
    };
  }
  return store;
};

/** A DynamoDB store on its own client, whose GetItem of `afterRead.pk` runs the step before answering. */
const dynamoStoreWith = (o: StoreOptions): ConsumerStore => {
  if (!emulators) throw new Error('DynamoDB Local did not start');
  const hook = o.afterRead;
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClient(emulators.dynamoEndpoint)));
  if (hook) {
    let fired = false;
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const input: Record<string, unknown> = isRecord(args.input) ? args.input : {};
        const key = isRecord(input.Key) ? input.Key.pk : undefined;
        const isGet =
          key !== undefined && !('UpdateExpression' in input) && !('ConditionExpression' in input);
        if (isGet && key === hook.pk && !fired) {
          fired = true;
          await hook.run();
        }
        return out;
      },
      { step: 'initialize' },
    );
  }
  return dynamoStore(emulators.dynamo, 'counter', { ...o, client });
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const stores: [string, (o?: StoreOptions) => ConsumerStore, RawRead][] = [
  ['MemoryConsumerStore', (o = {}) => memoryStore(o), memoryRaw],
  [
    'DynamoDB store (DynamoDB Local)',
    (o) => {
      if (!dynamo) throw new Error('DynamoDB Local did not start');
      return o ? dynamoStoreWith(o) : dynamo;
    },
    dynamoRaw,
  ],
];

let runs = 0;
/** A fresh key and shard per test: DynamoDB Local is shared by the tests of this file. */
const fresh = () => {
  runs += 1;
  const tag = `fence-${Date.now()}-${runs}`;
  const at = (shard: string): ShardPosition => ({
    service: 'counter',
    topic: 'counts',
    shardId: `${tag}-${shard}`,
  });
  return { pk: `${tag}-item`, at, unit: (p: ShardPosition) => unitOf(p.topic, p.shardId) };
};

const fenced = <W extends StateWrite>(w: W, p: ShardPosition, seq: string): W => ({
  ...w,
  fences: [{ unit: unitOf(p.topic, p.shardId), first: seq, last: seq }],
});

const moveTo2 = (store: ConsumerStore, p: ShardPosition, seq: string, expected: string) =>
  store.commit({
    position: p,
    moves: [{ sk: p.shardId, expected, next: { sequenceNumber: seq, arrivedAt: 1 } }],
    writes: [],
  });

const moveTo = (store: ConsumerStore, p: ShardPosition, seq: string) =>
  store.commit({
    position: p,
    moves: [{ sk: p.shardId, expected: undefined, next: { sequenceNumber: seq, arrivedAt: 1 } }],
    writes: [],
  });

/** A clock the test moves on: `pass(ms)`. Starts at the wall clock's now. */
const testClock = () => {
  let t = Date.now();
  return {
    now: () => t,
    pass: (ms: number) => {
      t += ms;
    },
  };
};

describe.each(stores)('%s position fences (store contract)', (_name, makeStore, rawOf) => {
  it('a key-only item reads back as written, with its fence beside it (point 3)', async () => {
    const store = makeStore();
    const { pk, at, unit } = fresh();
    const a = at('a');

    const result = await store.writeFenced(
      a,
      fenced({ kind: 'put', table: 'totals', item: { pk } }, a, '100'),
    );
    const read = await store.readItem('totals', pk);

    expect(result).toBe('written');
    expect(await store.getItem('totals', pk)).toEqual({ pk });
    expect(read.item).toEqual({ pk });
    expect([...read.fences.keys()]).toEqual([unit(a)]);
  });

  it('a retried or replayed write is "applied", and changes nothing (lost response)', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const a = at('a');
    const add = (n: number): SingleWrite => ({ kind: 'update', table: 'totals', pk, update: { add: { n } } });

    const first = await store.writeFenced(a, fenced(add(1), a, '100'));
    const again = await store.writeFenced(a, fenced(add(1), a, '100'));
    const older = await store.writeFenced(a, fenced(add(5), a, '99'));
    const later = await store.writeFenced(a, fenced(add(2), a, '101'));

    expect([first, again, older, later]).toEqual(['written', 'applied', 'applied', 'written']);
    expect(await store.getItem('totals', pk)).toEqual({ pk, n: 3 });
  });

  it('a committed delete leaves a tombstone of fences alone, removed by a sweep once its grace has passed (erasure)', async () => {
    let now = 1_000_000;
    const store = makeStore({ tombstoneGraceMs: 60_000, now: () => now });
    const { pk, at, unit } = fresh();
    const a = at('a');
    await store.writeFenced(
      a,
      fenced({ kind: 'put', table: 'totals', item: { pk, name: 'Delia' } }, a, '100'),
    );

    await store.commit({
      position: a,
      moves: [{ sk: a.shardId, expected: undefined, next: { sequenceNumber: '101', arrivedAt: 1 } }],
      writes: [fenced({ kind: 'delete', table: 'totals', pk }, a, '101')],
    });
    const tombstone = await rawOf(store, pk);
    const inGrace = await store.sweepTombstones(a);
    const kept = await rawOf(store, pk);
    now += 60_001;
    const swept = await store.sweepTombstones(a);

    expect(Object.keys(tombstone ?? {}).sort()).toEqual(
      ['pk', 'spine:deleted', `spine:fence:${unit(a)}`, 'spine:units'].sort(),
    );
    expect(inGrace.removed).toBe(0);
    expect(inGrace.nextDueInMs).toBeGreaterThan(0);
    expect(kept).toEqual(tombstone);
    expect(swept.removed).toBe(1);
    expect(await rawOf(store, pk)).toBeUndefined();
    expect(await store.readItem('totals', pk)).toEqual({ item: undefined, fences: new Map() });
  });

  it('a put request of an earlier event landing after its key was deleted is "applied", never a resurrection (review 2026-11-27, 1)', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const a = at('a');
    const put = fenced<SingleWrite>({ kind: 'put', table: 'totals', item: { pk, name: 'Delia' } }, a, '100');
    await store.writeFenced(a, put);
    await store.commit({
      position: a,
      moves: [{ sk: a.shardId, expected: undefined, next: { sequenceNumber: '102', arrivedAt: 1 } }],
      writes: [fenced({ kind: 'delete', table: 'totals', pk }, a, '102')],
    });

    // The same request again: an attempt the SDK abandoned at its timeout, applied late.
    const late = await store.writeFenced(a, put);

    expect(late).toBe('applied');
    expect(await store.getItem('totals', pk)).toBeUndefined();
    expect(await rawOf(store, pk)).not.toHaveProperty('name');
  });

  it('a sweep never drops the entry of a tombstone written after its read (review 2026-11-27, 2)', async () => {
    const { pk, at } = fresh();
    const a = at('a');
    const deleteAt = (seq: string, expected: string | undefined) => ({
      position: a,
      moves: [{ sk: a.shardId, expected, next: { sequenceNumber: seq, arrivedAt: 1 } }],
      writes: [fenced<StateWrite>({ kind: 'delete', table: 'totals', pk }, a, seq)],
    });
    // Another invocation deletes the key again between the sweep's read of the item and its drop.
    let store: ConsumerStore | undefined;
    store = makeStore({
      tombstoneGraceMs: 0,
      afterRead: { pk, run: () => (store ? store.commit(deleteAt('103', '102')) : Promise.resolve()) },
    });
    await store.commit(deleteAt('101', undefined));
    await store.writeFenced(
      a,
      fenced<SingleWrite>({ kind: 'put', table: 'totals', item: { pk, n: 1 } }, a, '102'),
    );
    await moveTo2(store, a, '102', '101');

    await store.sweepTombstones(a);
    const afterRace = await rawOf(store, pk);
    await store.sweepTombstones(a);

    expect(afterRace).toMatchObject({ pk, 'spine:deleted': true });
    expect(await rawOf(store, pk)).toBeUndefined();
  });

  it('a commit whose sweep entries take it past 100 items is refused whole (review 2026-11-27, 4)', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const a = at('a');
    const writes = Array.from({ length: 50 }, (_, i) =>
      fenced<StateWrite>({ kind: 'delete', table: 'totals', pk: `${pk}-${i}` }, a, '100'),
    );

    const refused = await store
      .commit({
        position: a,
        moves: [{ sk: a.shardId, expected: undefined, next: { sequenceNumber: '100', arrivedAt: 1 } }],
        writes,
      })
      .catch((e: unknown) => e);

    expect(refused).toMatchObject({ name: 'ValidationException' });
    expect((await store.loadCheckpoints(a, [a.shardId])).get(a.shardId)?.sequenceNumber).toBeUndefined();
  });

  it("a delete over another unit's unsettled fence leaves a tombstone of its own and that fence, which user conditions see as missing (point 4)", async () => {
    const store = makeStore();
    const { pk, at, unit } = fresh();
    const [a, b] = [at('a'), at('b')];
    await store.writeFenced(
      b,
      fenced({ kind: 'put', table: 'totals', item: { pk, name: 'Delia' } }, b, '100'),
    );

    await store.commit({
      position: a,
      moves: [{ sk: a.shardId, expected: undefined, next: { sequenceNumber: '101', arrivedAt: 1 } }],
      writes: [fenced({ kind: 'delete', table: 'totals', pk }, a, '101')],
    });
    const tombstone = await rawOf(store, pk);
    const rerun = await store.writeFenced(
      b,
      fenced({ kind: 'put', table: 'totals', item: { pk, name: 'Delia' } }, b, '100'),
    );
    const mustExist = await store
      .writeFenced(
        a,
        fenced({ kind: 'put', table: 'totals', item: { pk, n: 9 }, if: { pk: { exists: true } } }, a, '102'),
      )
      .catch((e: unknown) => e);

    expect(Object.keys(tombstone ?? {}).sort()).toEqual(
      ['pk', 'spine:deleted', `spine:fence:${unit(a)}`, `spine:fence:${unit(b)}`, 'spine:units'].sort(),
    );
    expect(rerun).toBe('applied');
    expect(await store.getItem('totals', pk)).toBeUndefined();
    expect(mustExist).toMatchObject({ name: 'ConditionalCheckFailedException' });
    const created = await store.writeFenced(
      a,
      fenced(
        { kind: 'update', table: 'totals', pk, update: { add: { n: 2 } }, if: { n: { exists: false } } },
        a,
        '103',
      ),
    );
    expect(created).toBe('written');
    expect(await store.getItem('totals', pk)).toEqual({ pk, n: 2 });
  });

  it('a sweep removes a tombstone once every unit on it has settled, and not before (erasure)', async () => {
    const store = makeStore({ tombstoneGraceMs: 0 });
    const { pk, at } = fresh();
    const [a, b] = [at('a'), at('b')];
    await store.writeFenced(
      b,
      fenced({ kind: 'put', table: 'totals', item: { pk, name: 'Delia' } }, b, '100'),
    );
    await store.commit({
      position: a,
      moves: [{ sk: a.shardId, expected: undefined, next: { sequenceNumber: '101', arrivedAt: 1 } }],
      writes: [fenced({ kind: 'delete', table: 'totals', pk }, a, '101')],
    });

    await store.sweepTombstones(a);
    const whileUnsettled = await rawOf(store, pk);
    await moveTo(store, b, '100');
    await store.sweepTombstones(b);

    expect(whileUnsettled).toMatchObject({ pk, 'spine:deleted': true });
    expect(await rawOf(store, pk)).toBeUndefined();
    expect(await store.readItem('totals', pk)).toEqual({ item: undefined, fences: new Map() });
  });

  it('a commit tells a fence showing its event applied from the user condition failing', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const a = at('a');
    await store.writeFenced(a, fenced({ kind: 'put', table: 'totals', item: { pk, n: 1 } }, a, '100'));

    const replay = await store
      .commit({
        position: a,
        moves: [],
        writes: [fenced({ kind: 'put', table: 'totals', item: { pk, n: 7 } }, a, '100')],
      })
      .catch((e: unknown) => e);
    const refused = await store
      .commit({
        position: a,
        moves: [],
        writes: [
          fenced({ kind: 'put', table: 'totals', item: { pk, n: 7 }, if: { n: { eq: 2 } } }, a, '101'),
        ],
      })
      .catch((e: unknown) => e);

    expect(isAlreadyAppliedError(replay)).toBe(true);
    expect(refused).toBeInstanceOf(TransactionCanceledException);
    expect(await store.getItem('totals', pk)).toEqual({ pk, n: 1 });
  });

  it('prunes the fences of units whose checkpoint passed them a grace after their write, keeps the others (point 6, review F1)', async () => {
    const clock = testClock();
    const store = makeStore({ now: clock.now });
    const { pk, at, unit } = fresh();
    const [a, settled, live] = [at('a'), at('parent'), at('sibling')];
    const add: SingleWrite = { kind: 'update', table: 'totals', pk, update: { add: { n: 1 } } };
    await store.writeFenced(settled, fenced(add, settled, '500'));
    await store.writeFenced(live, fenced(add, live, '900'));
    await moveTo(store, settled, '700');
    await moveTo(store, live, '300');

    const updated = await store.readItem('totals', pk);
    clock.pass(TOMBSTONE_GRACE_MS - 1);
    await store.writeFenced(a, fenced({ kind: 'put', table: 'totals', item: { pk, n: 10 } }, a, '5'));
    const young = await store.readItem('totals', pk);
    clock.pass(1);
    await store.writeFenced(a, fenced({ kind: 'put', table: 'totals', item: { pk, n: 11 } }, a, '6'));
    const put = await store.readItem('totals', pk);

    // An update keeps every fence (few units on the item); a put drops the settled parent's, once its
    // write is a grace old: until then a request of the parent may still land.
    expect([...updated.fences.keys()].sort()).toEqual([unit(settled), unit(live)].sort());
    expect([...young.fences.keys()].sort()).toEqual([unit(a), unit(settled), unit(live)].sort());
    expect([...put.fences.keys()].sort()).toEqual([unit(a), unit(live)].sort());
    expect(put.item).toEqual({ pk, n: 11 });
  });

  it('a request of a settled unit landing after another unit\'s delete is "applied", never a resurrection (review F1, U1)', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const [p, c] = [at('parent'), at('child')];
    const add = fenced<SingleWrite>(
      { kind: 'update', table: 'totals', pk, update: { add: { n: 1 } } },
      p,
      '100',
    );
    // Attempt 2 of the parent's write (attempt 1 abandoned by the SDK, still in flight); the parent settles.
    await store.writeFenced(p, add);
    await moveTo(store, p, '100');
    await store.commit({
      position: c,
      moves: [{ sk: c.shardId, expected: undefined, next: { sequenceNumber: '200', arrivedAt: 1 } }],
      writes: [fenced<StateWrite>({ kind: 'delete', table: 'totals', pk }, c, '200')],
    });

    const late = await store.writeFenced(p, add);

    expect(late).toBe('applied');
    expect(await store.getItem('totals', pk)).toBeUndefined();
    expect(await rawOf(store, pk)).toMatchObject({ 'spine:deleted': true });
  });

  it('a request of a settled unit landing after another unit\'s put is "applied", never applied twice (review F1, U2)', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const [p, c] = [at('parent'), at('child')];
    const add = fenced<SingleWrite>(
      { kind: 'update', table: 'totals', pk, update: { add: { n: 1 } } },
      p,
      '100',
    );
    await store.writeFenced(p, add);
    await moveTo(store, p, '100');
    await store.writeFenced(
      c,
      fenced<SingleWrite>({ kind: 'put', table: 'totals', item: { pk, n: 10 } }, c, '200'),
    );

    const late = await store.writeFenced(p, add);

    expect(late).toBe('applied');
    expect(await store.getItem('totals', pk)).toEqual({ pk, n: 10 });
  });

  it('a settled factor-1 put landing after a key-mode put is "applied", never a lost later write (review F1, U3)', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const [a, keyed] = [at('a'), at('keyed')];
    const put = fenced<SingleWrite>({ kind: 'put', table: 'totals', item: { pk, v: 'e1' } }, a, '100');
    await store.writeFenced(a, put);
    await moveTo(store, a, '100');
    await store.commit({
      position: keyed,
      moves: [],
      writes: [{ kind: 'put', table: 'totals', item: { pk, v: 'e5-keymode' } }],
    });

    const late = await store.writeFenced(a, put);

    expect(late).toBe('applied');
    expect(await store.getItem('totals', pk)).toEqual({ pk, v: 'e5-keymode' });
  });

  it('an update past the unit limit prunes settled fences, so an item written from many shards stays small', async () => {
    // Grace 0 (local mode): settled fences go whatever their age.
    const store = makeStore({ tombstoneGraceMs: 0 });
    const { pk, at, unit } = fresh();
    const add: SingleWrite = { kind: 'update', table: 'totals', pk, update: { add: { n: 1 } } };
    const shards = Array.from({ length: 9 }, (_, n) => at(`s${n}`));
    for (const s of shards) {
      await store.writeFenced(s, fenced(add, s, '10'));
      await moveTo(store, s, '10');
    }
    const last = at('last');

    await store.writeFenced(last, fenced(add, last, '1'));
    const read = await store.readItem('totals', pk);

    expect([...read.fences.keys()]).toEqual([unit(last)]);
    expect(read.item).toEqual({ pk, n: 10 });
  });

  it('orders fences by number whatever the digit count (41, 42 and 56-digit sequence numbers, F5)', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const a = at('a');
    const add = (n: number): SingleWrite => ({ kind: 'update', table: 'totals', pk, update: { add: { n } } });
    // Kinesis allows `0|([1-9]\d{0,128})`: a longer number is a larger one, never a string-smaller one.
    const [d41, d42, d56] = [`9${'9'.repeat(40)}`, `1${'0'.repeat(41)}`, `4959${'0'.repeat(52)}`];

    const results = [
      await store.writeFenced(a, fenced(add(1), a, d41)),
      await store.writeFenced(a, fenced(add(2), a, d42)),
      await store.writeFenced(a, fenced(add(50), a, d41)),
      await store.writeFenced(a, fenced(add(4), a, d56)),
      await store.writeFenced(a, fenced(add(50), a, d42)),
    ];

    expect(results).toEqual(['written', 'written', 'applied', 'written', 'applied']);
    expect(await store.getItem('totals', pk)).toEqual({ pk, n: 7 });
    expect((await store.readItem('totals', pk)).fences.get(unitOf(a.topic, a.shardId))).toBe(d56);
  });

  it("an unfenced put or delete (key mode) keeps another unit's unsettled fence, drops a settled one (F1)", async () => {
    const store = makeStore({ tombstoneGraceMs: 0 });
    const { pk, at, unit } = fresh();
    const [a, keyed] = [at('a'), at('keyed')];
    const add: SingleWrite = { kind: 'update', table: 'totals', pk, update: { add: { n: 1 } } };
    const plain = (w: StateWrite) => store.commit({ position: keyed, moves: [], writes: [w] });
    await store.writeFenced(a, fenced(add, a, '100'));

    await plain({ kind: 'put', table: 'totals', item: { pk, n: 5 } });
    const afterPut = await store.readItem('totals', pk);
    const rerunAfterPut = await store.writeFenced(a, fenced(add, a, '100'));
    await plain({ kind: 'delete', table: 'totals', pk });
    const afterDelete = await store.readItem('totals', pk);
    const rerunAfterDelete = await store.writeFenced(a, fenced(add, a, '100'));
    await moveTo(store, a, '100');
    await plain({ kind: 'put', table: 'totals', item: { pk, n: 7 } });
    const settled = await store.readItem('totals', pk);
    await plain({ kind: 'delete', table: 'totals', pk });

    expect(afterPut.item).toEqual({ pk, n: 5 });
    expect([...afterPut.fences.keys()]).toEqual([unit(a)]);
    expect([rerunAfterPut, rerunAfterDelete]).toEqual(['applied', 'applied']);
    expect(afterDelete.item).toBeUndefined();
    expect([...afterDelete.fences.keys()]).toEqual([unit(a)]);
    expect(settled).toEqual({ item: { pk, n: 7 }, fences: new Map() });
    expect(await store.readItem('totals', pk)).toEqual({ item: undefined, fences: new Map() });
  });

  it('a condition-only fence refuses an applied event and is neither written nor dropped (key mode, F2)', async () => {
    const store = makeStore();
    const { pk, at, unit } = fresh();
    const [a, keyed] = [at('a'), at('keyed')];
    const add: SingleWrite = { kind: 'update', table: 'totals', pk, update: { add: { n: 1 } } };
    const onlyIf = (w: StateWrite, seq: string): StateWrite => ({
      ...w,
      fences: [{ unit: unit(a), first: seq, last: seq, conditionOnly: true }],
    });
    const commitKeyed = (w: StateWrite) =>
      store.commit({ position: keyed, moves: [], writes: [w] }).then(
        () => 'written',
        (e: unknown) => (isAlreadyAppliedError(e) ? 'applied' : e),
      );
    await store.writeFenced(a, fenced(add, a, '100'));

    const results = [
      await commitKeyed(onlyIf(add, '100')),
      await commitKeyed(onlyIf({ kind: 'put', table: 'totals', item: { pk, n: 9 } }, '99')),
      await commitKeyed(onlyIf(add, '101')),
      await commitKeyed(onlyIf({ kind: 'put', table: 'totals', item: { pk, n: 5 } }, '102')),
    ];
    const read = await store.readItem('totals', pk);

    expect(results).toEqual(['applied', 'applied', 'written', 'written']);
    expect(read).toEqual({ item: { pk, n: 5 }, fences: new Map([[unit(a), '100']]) });
  });

  it("a live put prunes the fence of a finished session (no checkpoint item), keeps a running one's (F6)", async () => {
    const store = makeStore({ tombstoneGraceMs: 0 });
    const { pk, at, unit } = fresh();
    const [a, finished, running, fresh0] = [at('a'), at('s#replay-1'), at('s#redrive-2'), at('never')];
    const add: SingleWrite = { kind: 'update', table: 'totals', pk, update: { add: { n: 1 } } };
    await store.writeFenced(finished, fenced(add, finished, '500'));
    await store.writeFenced(running, fenced(add, running, '500'));
    await moveTo(store, running, '400');
    await store.writeFenced(fresh0, fenced(add, fresh0, '500'));

    await store.writeFenced(a, fenced({ kind: 'put', table: 'totals', item: { pk, n: 10 } }, a, '5'));
    const read = await store.readItem('totals', pk);

    // A live shard without a checkpoint yet is not finished: its fence stays.
    expect([...read.fences.keys()].sort()).toEqual([unit(a), unit(running), unit(fresh0)].sort());
    expect(read.item).toEqual({ pk, n: 10 });
  });

  it('keeps fences of other units on a shared item: each unit is fenced by its own sequence numbers', async () => {
    const store = makeStore();
    const { pk, at } = fresh();
    const [parent, child] = [at('parent'), at('child')];
    const add: SingleWrite = { kind: 'update', table: 'totals', pk, update: { add: { n: 1 } } };

    // A child's sequence numbers are below its parent's; they are never compared.
    const results = [
      await store.writeFenced(parent, fenced(add, parent, '900')),
      await store.writeFenced(child, fenced(add, child, '10')),
      await store.writeFenced(parent, fenced(add, parent, '900')),
      await store.writeFenced(child, fenced(add, child, '10')),
    ];

    expect(results).toEqual(['written', 'written', 'applied', 'applied']);
    expect(await store.getItem('totals', pk)).toEqual({ pk, n: 2 });
  });
});

describe('DynamoDB Local and ReturnValuesOnConditionCheckFailure (F8)', () => {
  it('returns the item a failed condition was evaluated against, on a write and on a transaction item', async () => {
    if (!emulators) throw new Error('emulators did not start');
    const doc = DynamoDBDocumentClient.from(emulators.dynamo);
    const pk = `all-old-${Date.now()}`;
    await doc.send(new PutCommand({ TableName: TABLES.totals, Item: { pk, n: 1 } }));
    const put = {
      TableName: TABLES.totals,
      Item: { pk, n: 2 },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };

    const single = await doc.send(new PutCommand(put)).catch((e: unknown) => e);
    const inTransaction = await doc
      .send(new TransactWriteCommand({ TransactItems: [{ Put: put }] }))
      .catch((e: unknown) => e);

    expect(single instanceof ConditionalCheckFailedException && single.Item).toEqual({
      pk: { S: pk },
      n: { N: '1' },
    });
    expect(
      inTransaction instanceof TransactionCanceledException && inTransaction.CancellationReasons?.[0]?.Item,
    ).toEqual({ pk: { S: pk }, n: { N: '1' } });
  });
});
