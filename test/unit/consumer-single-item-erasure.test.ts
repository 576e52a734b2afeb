import { describe, expect, it } from 'vitest';
import {
  type Commit,
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
  type SingleWrite,
} from '../../shared/consumer';
import { testCatalogCoalescing, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

/**
 * Erasure with the single-item path (docs/consumer-single-item.md, "Deletes"): a delete commits with
 * the checkpoint move and leaves its fence alone as a tombstone (no user data), so a write of an
 * earlier event landing late is refused; a sweep removes it once the grace has passed.
 */
const SHARD = 'shardId-000000000000';

/** `by` above 0 puts the counter's item (personal data in it); 0 deletes it. */
const counted = (n: number, counter: string, by: number) =>
  kinesisRecord({
    stream: 'counts-stream',
    shardId: SHARD,
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: envelopeOf('Counted', { counter, by }, counter, `e${n}`),
  });

const putOrDelete: EventHandler = (event, ctx) => {
  const data = event.data as { counter: string; by: number };
  if (data.by > 0) ctx.put('totals', { pk: data.counter, owner: 'Delia Deleteme', total: data.by });
  else ctx.delete('totals', data.counter);
};

/** A consumer on `store` whose next `failCommits` commits fail as a death before the checkpoint would. */
const consumerOn = (store: MemoryConsumerStore, coalesce: boolean, failCommits = 0) => {
  let failing = failCommits;
  const commit = store.commit.bind(store);
  store.commit = async (c: Commit) => {
    if (failing > 0) {
      failing -= 1;
      throw Object.assign(new Error('the process died before the checkpoint moved'), {
        name: 'TimeoutError',
      });
    }
    await commit(c);
  };
  return defineConsumer(
    { catalog: testCatalogCoalescing(coalesce), service: 'counter', handlers: { Counted: putOrDelete } },
    { env: testStreamEnv, store, logReaders: false, backoff: false },
  );
};

describe('single-item path and deletes (erasure)', () => {
  it('a put written alone, then its delete: the tombstone holds no user data, refuses the put landing late, and goes after the grace', async () => {
    // Prepare: another counter between them, so the put is the last of its key when it runs.
    let now = 1_000_000;
    const store = new MemoryConsumerStore(['totals', 'limits'], { tombstoneGraceMs: 60_000, now: () => now });
    const sent: SingleWrite[] = [];
    const writeFenced = store.writeFenced.bind(store);
    store.writeFenced = async (position, write) => {
      sent.push(structuredClone(write));
      return writeFenced(position, write);
    };
    const records = [counted(1, 'u-del', 5), counted(2, 'other', 1), counted(3, 'u-del', 0)];

    // Act: the first invocation dies at its commit; the mapping re-delivers the batch. Then the put's
    // first request lands again (an attempt the SDK abandoned at its timeout, applied late).
    const died = await consumerOn(store, false, 1)(kinesisEvent(records));
    const afterDeath = store.raw('totals', 'u-del');
    const response = await consumerOn(store, false)(kinesisEvent(records));
    const put = sent.find((w) => w.kind === 'put' && w.item.pk === 'u-del');
    if (!put) throw new Error('the put did not go alone');
    const late = await writeFenced({ service: 'counter', topic: 'counts', shardId: SHARD }, put);
    const tombstone = store.raw('totals', 'u-del');
    now += 60_001;
    const next = await consumerOn(store, false)(kinesisEvent([counted(4, 'other', 2)]));

    // Assess: the put went alone (its fence was on the item); the delete left its fence alone, which
    // refused the late put; the next batch after the grace swept it.
    expect(died.batchItemFailures).not.toEqual([]);
    expect(afterDeath).toMatchObject({ pk: 'u-del', owner: 'Delia Deleteme' });
    expect(response.batchItemFailures).toEqual([]);
    expect(late).toBe('applied');
    expect(tombstone).toMatchObject({ pk: 'u-del', 'spine:deleted': true });
    expect(tombstone).not.toHaveProperty('owner');
    expect(await store.getItem('totals', 'u-del')).toBeUndefined();
    expect(next.batchItemFailures).toEqual([]);
    expect(store.raw('totals', 'u-del')).toBeUndefined();
    expect(store.sweepEntries.size).toBe(0);
    expect(store.raw('totals', 'other')).toMatchObject({ pk: 'other', total: 2 });
  });

  it.each([true, false])(
    'a delete then a later put of the same key in one batch leaves the put (coalesce %s)',
    async (coalesce) => {
      const store = new MemoryConsumerStore(['totals', 'limits']);
      const records = [counted(1, 'u-back', 0), counted(2, 'u-back', 7)];

      const response = await consumerOn(store, coalesce)(kinesisEvent(records));

      expect(response.batchItemFailures).toEqual([]);
      expect(await store.getItem('totals', 'u-back')).toEqual({
        pk: 'u-back',
        owner: 'Delia Deleteme',
        total: 7,
      });
    },
  );

  it("a delete over another shard's unsettled fence leaves a tombstone that shard sweeps once it settles", async () => {
    // Prepare: shard A adds to the shared item alone and dies before its checkpoint moves. No grace:
    // the settling is what this test is about.
    const store = new MemoryConsumerStore(['totals', 'limits'], { tombstoneGraceMs: 0 });
    const onShard = (shardId: string, n: number, by: number) =>
      kinesisRecord({
        stream: 'counts-stream',
        shardId,
        sequenceNumber: seq(n),
        partitionKey: `k-${n}`,
        data: envelopeOf('Counted', { counter: `k-${n}`, by }, `k-${n}`, `${shardId}-e${n}`),
      });
    const shared: EventHandler = (event, ctx) => {
      const data = event.data as { by: number };
      if (data.by > 0)
        ctx.update('totals', 'shared', { set: { owner: 'Delia Deleteme' }, add: { total: data.by } });
      else ctx.delete('totals', 'shared');
    };
    const consumer = (failCommits = 0) => {
      let failing = failCommits;
      const commit = store.commit.bind(store);
      const wrapped = Object.assign(Object.create(store) as MemoryConsumerStore, {
        commit: async (c: Commit) => {
          if (failing > 0) {
            failing -= 1;
            throw Object.assign(new Error('died before the checkpoint moved'), { name: 'TimeoutError' });
          }
          await commit(c);
        },
      });
      return defineConsumer(
        { catalog: testCatalogCoalescing(true), service: 'counter', handlers: { Counted: shared } },
        { env: testStreamEnv, store: wrapped, logReaders: false, backoff: false },
      );
    };
    const a = [onShard('shardId-000000000001', 1, 5)];
    await consumer(1)(kinesisEvent(a));

    // Act: shard B deletes the item; then shard A's batch is re-delivered and settles.
    const deleted = await consumer()(kinesisEvent([onShard('shardId-000000000002', 2, 0)]));
    const tombstone = store.raw('totals', 'shared');
    const rerun = await consumer()(kinesisEvent(a));

    // Assess: the tombstone held A's fence and B's own; A's re-run applied nothing and removed it.
    expect([deleted.batchItemFailures, rerun.batchItemFailures]).toEqual([[], []]);
    expect(Object.keys(tombstone ?? {}).sort()).toEqual(
      [
        'pk',
        'spine:deleted',
        'spine:fence:counts|shardId-000000000001',
        'spine:fence:counts|shardId-000000000002',
        'spine:units',
      ].sort(),
    );
    expect(store.raw('totals', 'shared')).toBeUndefined();
    expect(store.sweepEntries.size).toBe(0);
  });
});
