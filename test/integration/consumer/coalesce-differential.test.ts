import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConsumerStore,
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
  MemoryPublisher,
  type StateItem,
  type StateUpdate,
  type WriteOptions,
} from '../../../shared/consumer';
import { testCatalogCoalescing } from '../../fixtures/catalog';
import { countedRecord, env, useDynamoStores } from './harness';

/**
 * Coalescing is an optimisation only: random events writing a few items (put, update with set, add,
 * append, remove, setIfAbsent, delete; some conditional, some reading first, some emitting, a rare
 * wrong operand type, value DynamoDB refuses (empty Set, Date, a number past its range or a double's
 * precision) or update over many attributes) leave the same state, show handlers the same reads, get
 * the same batch answers, record the same failures, park the same events and commit and publish the
 * same outbox with coalescing on as with it off. One suite, run against the memory store and DynamoDB
 * Local.
 */

/** Few keys, so items repeat within a commit and most writes meet a pending one. */
const KEYS = 2;
const keys = Array.from({ length: KEYS }, (_, k) => k);

type Op =
  | { readonly kind: 'put'; readonly key: number; readonly item: Record<string, unknown> }
  | { readonly kind: 'delete'; readonly key: number }
  | { readonly kind: 'update'; readonly key: number; readonly update: StateUpdate };
type Step = {
  readonly reads: readonly number[];
  /** Emits one event (keyed by the step's partition key) after its writes. */
  readonly emit: boolean;
  readonly writes: readonly (Op & { readonly if?: WriteOptions['if'] })[];
};

const small = fc.integer({ min: -3, max: 9 });
/** Near DynamoDB's range (1e-130 .. 9.99e125) or past a double's exact integers. */
const edgeNumber = fc.constantFrom(9.9e125, 1e121, -1e121, 2 ** 53, 1e-129, 0.1, 123456789.12345679);
const number = fc.oneof({ weight: 12, arbitrary: small }, { weight: 1, arbitrary: edgeNumber });
/** A value DynamoDB's marshaller refuses: a fresh empty Set or a Date. */
const refused = fc.oneof(
  fc.constant(0).map(() => new Set<string>()),
  fc.constant(0).map(() => new Date(0)),
);
const list = fc.array(small, { maxLength: 3 });
/** One clause per attribute: n is a number, l a list, s a string (an `add` to s is the rare wrong type). */
const updateArb: fc.Arbitrary<StateUpdate> = fc
  .record(
    {
      n: fc.oneof(
        fc.record({ set: number }),
        fc.record({ add: number }),
        fc.record({ setIfAbsent: number }),
        fc.constant({ remove: true }),
      ),
      l: fc.oneof(fc.record({ set: list }), fc.record({ append: list }), fc.constant({ remove: true })),
      s: fc.oneof(
        { weight: 10, arbitrary: fc.record({ set: fc.constantFrom('x', 'y') }) },
        { weight: 4, arbitrary: fc.constant({ remove: true }) },
        { weight: 4, arbitrary: fc.record({ setIfAbsent: fc.constant('z') }) },
        { weight: 1, arbitrary: fc.record({ add: fc.constant(1) }) },
        { weight: 1, arbitrary: fc.record({ set: refused }) },
        { weight: 1, arbitrary: fc.record({ setIfAbsent: refused }) },
      ),
    },
    { requiredKeys: [] },
  )
  .filter((u) => Object.keys(u).length > 0)
  .map((byAttr) => {
    const set: Record<string, unknown> = {};
    const setIfAbsent: Record<string, unknown> = {};
    const add: Record<string, number> = {};
    const append: Record<string, readonly unknown[]> = {};
    const remove: string[] = [];
    for (const [attr, clause] of Object.entries(byAttr)) {
      if ('set' in clause) set[attr] = clause.set;
      else if ('setIfAbsent' in clause) setIfAbsent[attr] = clause.setIfAbsent;
      else if ('add' in clause) add[attr] = clause.add;
      else if ('append' in clause) append[attr] = clause.append;
      else remove.push(attr);
    }
    const some = <T extends object>(o: T) => (Object.keys(o).length > 0 ? o : undefined);
    const update: StateUpdate = {
      ...(some(set) && { set }),
      ...(some(setIfAbsent) && { setIfAbsent }),
      ...(some(add) && { add }),
      ...(some(append) && { append }),
      ...(remove.length > 0 && { remove }),
    };
    return update;
  });
/** 20 to 80 attributes at once: a few of these fold past DynamoDB's 4 KB expression limit. */
const wideArb: fc.Arbitrary<StateUpdate> = fc
  .tuple(fc.integer({ min: 20, max: 80 }), fc.boolean())
  .map(([count, append]) => {
    const names = Array.from({ length: count }, (_, i) => `wide_attribute_${i}`);
    return append
      ? { append: Object.fromEntries(names.map((a) => [a, [1]])) }
      : { add: Object.fromEntries(names.map((a) => [a, 1])) };
  });
const itemArb = fc.record({ n: small, l: list, s: fc.constantFrom('x', 'y') }, { requiredKeys: ['n'] });
const conditionArb = fc.constantFrom<WriteOptions['if']>(
  { n: { exists: true } },
  { s: { exists: false } },
  { n: { gt: 2 } },
);
const opArb = (key: number): fc.Arbitrary<Op & { if?: WriteOptions['if'] }> =>
  fc
    .tuple(
      fc.oneof(
        { weight: 2, arbitrary: itemArb.map((item): Op => ({ kind: 'put', key, item })) },
        { weight: 1, arbitrary: fc.constant<Op>({ kind: 'delete', key }) },
        { weight: 5, arbitrary: updateArb.map((update): Op => ({ kind: 'update', key, update })) },
        { weight: 1, arbitrary: wideArb.map((update): Op => ({ kind: 'update', key, update })) },
      ),
      fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: conditionArb }),
    )
    .map(([op, condition]) => (condition === undefined ? op : { ...op, if: condition }));
const stepArb: fc.Arbitrary<Step> = fc.record({
  reads: fc.subarray(keys, { maxLength: 2 }),
  emit: fc.boolean(),
  writes: fc
    .subarray(keys, { maxLength: 2 })
    .chain((keys) => fc.tuple(...keys.map(opArb)))
    .map((ops) => [...ops]),
});
const scriptArb = fc.record({
  /** What each item holds before the first event (absent: undefined), so updates meet stored values. */
  initial: fc.array(fc.option(itemArb, { nil: undefined }), { minLength: KEYS, maxLength: KEYS }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 60 }),
  batch: fc.integer({ min: 3, max: 40 }),
});

const catalogs = { on: testCatalogCoalescing(true), off: testCatalogCoalescing(false) };

type Script = {
  readonly initial: readonly (Record<string, unknown> | undefined)[];
  readonly steps: readonly Step[];
  readonly batch: number;
};

let runs = 0;
/** Runs a script through the consumer as the mapping would (retrying from each reported failure). */
const play = async (store: ConsumerStore, { steps, batch, initial }: Script, coalesce: boolean) => {
  runs += 1;
  const tag = `r${runs}${coalesce ? 'on' : 'off'}${Date.now()}`;
  const pk = (key: number) => `${tag}-k${key}`;
  const strip = (item: StateItem | undefined) => {
    if (!item) return undefined;
    const { pk: _, ...rest } = item;
    return rest;
  };
  const writes = initial.flatMap((item, key) =>
    item ? [{ kind: 'put' as const, table: 'totals', item: { ...item, pk: pk(key) } }] : [],
  );
  const position = { service: 'counter', topic: 'setup', shardId: tag };
  if (writes.length > 0) await store.commit({ position, moves: [], writes });
  const reads = new Map<number, unknown[]>();
  let commits = 0;
  /** What committed: parked events and outbox entries, by source sequence number (ids hold the tag). */
  const untag = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replaceAll(tag, 'TAG'));
  // A write whose own condition failed reads "ConditionalCheckFailedException" when it went alone
  // (single-item path, docs/consumer-single-item.md) and "TransactionCanceledException ...
  // [ConditionalCheckFailed, ...]" in a transaction: the same failure in DynamoDB's two dialects.
  const sameFailure = (error: string): string =>
    error.includes('ConditionalCheckFailed') ? 'the write condition failed' : error;
  const parked: unknown[] = [];
  const outbox: unknown[] = [];
  const failures: unknown[] = [];
  const counted: ConsumerStore = {
    loadCheckpoints: (position, sks) => store.loadCheckpoints(position, sks),
    getItem: (table, key) => store.getItem(table, key),
    readItem: (table, key) => store.readItem(table, key),
    writeFenced: async (position, write) => {
      commits += 1;
      return store.writeFenced(position, write);
    },
    commit: async (commit) => {
      commits += 1;
      await store.commit(commit);
      const { park } = commit;
      if (park)
        parked.push(untag([park.sequenceNumber, park.eventType, park.attempts, sameFailure(park.error)]));
      for (const e of commit.outbox ?? [])
        outbox.push(untag([e.sk, e.topic, e.envelope.partitionkey, e.envelope.data]));
    },
    recordFailure: (position, sk, expected, failure, fencedTo) => {
      failures.push(untag([sk, { ...failure, error: sameFailure(failure.error) }]));
      return store.recordFailure(position, sk, expected, failure, fencedTo);
    },
    markStarted: (position, sk, loaded, mark, failure) =>
      store.markStarted(position, sk, loaded, mark, failure),
    clearStarted: (position, sk, token) => store.clearStarted(position, sk, token),
    loadOutbox: (position) => store.loadOutbox(position),
    deleteOutbox: (position, sks) => store.deleteOutbox(position, sks),
    claimOutbox: (position, sk, lease, token) => store.claimOutbox(position, sk, lease, token),
    sweepTombstones: (position) => store.sweepTombstones(position),
  };
  const handler: EventHandler = async (event, ctx) => {
    const n = (event.data as { by: number }).by;
    const step = steps[n];
    if (!step) throw new Error(`no step ${n}`);
    const seen: unknown[] = [];
    for (const key of step.reads) seen.push(strip(await ctx.get('totals', pk(key))));
    reads.set(n, seen);
    for (const w of step.writes) {
      const options = w.if === undefined ? undefined : { if: w.if };
      if (w.kind === 'put') ctx.put('totals', { ...w.item, pk: pk(w.key) }, options);
      else if (w.kind === 'delete') ctx.delete('totals', pk(w.key), options);
      else ctx.update('totals', pk(w.key), w.update, options);
    }
    if (step.emit) ctx.emit('MilestoneReached', { counter: event.key, total: n });
  };
  const publisher = new MemoryPublisher();
  const consumer = defineConsumer(
    { catalog: coalesce ? catalogs.on : catalogs.off, service: 'counter', handlers: { Counted: handler } },
    { env, store: counted, logReaders: false, publisher },
  );
  const shardId = `shardId-${tag}`;
  const records = steps.map((_, n) => countedRecord(n + 1, `c${n % 4}`, { by: n }, shardId));
  const answers: unknown[] = [];
  for (let from = 0; from < records.length; from += batch) {
    let Records = records.slice(from, from + batch);
    for (let guard = 0; Records.length > 0; guard++) {
      if (guard > 20) throw new Error('the batch never settled');
      const { batchItemFailures } = await consumer({ Records });
      answers.push(batchItemFailures);
      const failed = batchItemFailures[0]?.itemIdentifier;
      Records = failed === undefined ? [] : Records.filter((r) => r.kinesis.sequenceNumber >= failed);
    }
  }
  const state = await Promise.all(
    Array.from({ length: KEYS }, async (_, key) => strip(await store.getItem('totals', pk(key)))),
  );
  const published = publisher.published.map((e) => [e.type, e.partitionkey, e.data]);
  const sorted = [...reads].sort(([a], [b]) => a - b);
  return { state, reads: sorted, commits, answers, failures, parked, outbox, published };
};

/**
 * Found by this test on DynamoDB Local: an update that fails alone (`add` to a string), then a delete
 * of the same item. Folding the delete over it hid the failure and applied the event (and its other
 * write) that the one-by-one path parks.
 */
const FOUND: Script = {
  initial: [undefined, undefined],
  steps: [
    { reads: [], emit: false, writes: [{ kind: 'put', key: 0, item: { n: 0, s: 'x' } }] },
    {
      reads: [],
      emit: false,
      writes: [
        { kind: 'update', key: 0, update: { add: { s: 1 } } },
        { kind: 'put', key: 1, item: { n: 0, s: 'x' } },
      ],
    },
    {
      reads: [],
      emit: false,
      writes: [
        { kind: 'delete', key: 0 },
        { kind: 'update', key: 1, update: { set: { l: [] } } },
      ],
    },
    { reads: [], emit: true, writes: [] },
  ],
  batch: 3,
};

const newStore = useDynamoStores();

const stores: [string, () => ConsumerStore, number][] = [
  ['MemoryConsumerStore', () => new MemoryConsumerStore(['totals', 'limits']), 300],
  ['DynamoDB store (DynamoDB Local)', () => newStore(), 80],
];

describe.each(stores)('coalescing against no coalescing (%s)', (_name, makeStore, numRuns) => {
  it('leaves the same state, reads, batch answers, failures, parked events and outbox', async () => {
    let on = 0;
    let off = 0;
    await fc.assert(
      fc.asyncProperty(scriptArb, async (script) => {
        const store = makeStore();
        const a = await play(store, script, true);
        const b = await play(store, script, false);
        on += a.commits;
        off += b.commits;
        expect(a.state).toEqual(b.state);
        expect(a.reads).toEqual(b.reads);
        expect(a.answers).toEqual(b.answers);
        expect(a.failures).toEqual(b.failures);
        expect(a.parked).toEqual(b.parked);
        expect(a.outbox).toEqual(b.outbox);
        expect(a.published).toEqual(b.published);
      }),
      { numRuns, examples: [[FOUND]] },
    );
    // The property says nothing unless items did repeat within commits: coalescing saved commits.
    console.log(`commits with coalescing ${on}, without ${off} (${numRuns} scripts)`);
    expect(on).toBeLessThan(off);
  }, 900_000);
});
