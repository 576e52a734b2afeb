import { describe, expect, it } from 'vitest';
import { type Commit, defineConsumer, type EventHandler, MemoryConsumerStore } from '../../shared/consumer';
import { testCatalogCoalescing, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';

/**
 * Erasure with the single-item path (docs/consumer-single-item.md, "Deletes"): a delete commits with
 * the checkpoint move, so once its batch is committed no item holds the deleted key, even when an
 * earlier event of the batch wrote the item alone and the first invocation died before the commit.
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
  it('a put written alone, then its delete: once committed, no item (no tombstone) holds the key', async () => {
    // Prepare: another counter between them, so the put is the last of its key when it runs.
    const store = new MemoryConsumerStore(['totals', 'limits']);
    const records = [counted(1, 'u-del', 5), counted(2, 'other', 1), counted(3, 'u-del', 0)];

    // Act: the first invocation dies at its commit; the mapping re-delivers the batch.
    const died = await consumerOn(store, false, 1)(kinesisEvent(records));
    const afterDeath = store.raw('totals', 'u-del');
    const response = await consumerOn(store, false)(kinesisEvent(records));

    // Assess: the put went alone (its fence was on the item); the delete never did, and left nothing.
    expect(died.batchItemFailures).not.toEqual([]);
    expect(afterDeath).toMatchObject({ pk: 'u-del', owner: 'Delia Deleteme' });
    expect(response.batchItemFailures).toEqual([]);
    expect(store.raw('totals', 'u-del')).toBeUndefined();
    expect(store.raw('totals', 'other')).toMatchObject({ pk: 'other', total: 1 });
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
    // Prepare: shard A adds to the shared item alone and dies before its checkpoint moves.
    const store = new MemoryConsumerStore(['totals', 'limits']);
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

    // Assess: the tombstone held A's fence alone; A's re-run applied nothing and removed it.
    expect([deleted.batchItemFailures, rerun.batchItemFailures]).toEqual([[], []]);
    expect(Object.keys(tombstone ?? {}).sort()).toEqual(
      ['pk', 'spine:deleted', 'spine:fence:counts|shardId-000000000001', 'spine:units'].sort(),
    );
    expect(store.raw('totals', 'shared')).toBeUndefined();
    expect(store.sweepEntries.size).toBe(0);
  });
});
