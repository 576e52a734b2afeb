import { describe, expect, it } from 'vitest';
import { type Catalog, defineCatalog } from '../../shared/catalog';
import {
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
  MemoryPublisher,
} from '../../shared/consumer';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { countedRecord, kinesisEvent } from '../fixtures/kinesis';

const position = { service: 'counter', topic: 'counts', shardId: 'shardId-000000000000' };

/** Adds `by` to the key's total and emits a milestone at every total that is a multiple of 10. */
const counting: EventHandler = async (event, ctx) => {
  const { counter, by } = event.data as { counter: string; by: number };
  const total = Number((await ctx.get('totals', counter))?.total ?? 0) + by;
  ctx.put('totals', { pk: counter, total });
  if (total % 10 === 0) ctx.emit('MilestoneReached', { counter, total });
};

const counted = countedRecord;

/** A publisher whose every call fails: the container is killed right after its commit. */
class DeadPublisher extends MemoryPublisher {
  override async publish(): Promise<void> {
    throw new Error('killed after the commit, before the publish');
  }
}

/** `testCatalog` at parallelization factor 4: checkpoints per key (key markers), not per shard. */
const atFactor4 = (): Catalog => {
  const { __validated: _, ...spec } = testCatalog;
  return defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({ ...sub, parallelizationFactor: 4 })),
    })),
  });
};

describe.each([
  { mode: 'shard checkpoints (factor 1)', catalog: testCatalog },
  { mode: 'key markers (factor 4)', catalog: atFactor4() },
])('consumer runtime: a key emits in order when a zombie commits beside the retry, $mode', ({ catalog }) => {
  // processBatch reads the checkpoints before the outbox. Read the other way round (as it was until
  // 2026-11-27), an emit committed between the two reads was overtaken by the retry's later emit of the
  // same key ([20, 10] here; downstream, the property test's factor-4 `outOfOrder`).
  it("publishes the zombie's committed emit of a key before the retry's later emit of that key", async () => {
    // Prepare: a timed-out invocation (the zombie) and the mapping's retry run the same records; the
    // zombie commits the first event and its emit between the retry's outbox read and its checkpoint
    // read, then is killed before it publishes (the property test's factor-4 run: twins, timeouts,
    // deaths after TransactWriteItems).
    const store = new MemoryConsumerStore(['totals']);
    const publisher = new MemoryPublisher();
    const deps = { env: testStreamEnv, store, logReaders: false } as const;
    const handlers = { Counted: counting };
    const zombie = defineConsumer(
      { catalog, service: 'counter', handlers },
      { ...deps, publisher: new DeadPublisher() },
    );
    const retry = defineConsumer({ catalog, service: 'counter', handlers }, { ...deps, publisher });
    const batch = [counted(1, 'a', 10), counted(2, 'a', 10)];
    // The zombie runs right after the retry's first read of its outbox or its checkpoints, whichever
    // comes first: between the two.
    const loadOutbox = store.loadOutbox.bind(store);
    const loadCheckpoints = store.loadCheckpoints.bind(store);
    const restore = () => {
      store.loadOutbox = loadOutbox;
      store.loadCheckpoints = loadCheckpoints;
    };
    const zombieBetween = async <T>(read: Promise<T>): Promise<T> => {
      restore();
      const result = await read;
      await zombie(kinesisEvent(batch.slice(0, 1)));
      return result;
    };
    store.loadOutbox = (at) => zombieBetween(loadOutbox(at));
    store.loadCheckpoints = (at, sks) => zombieBetween(loadCheckpoints(at, sks));

    // Act: the retry, redelivered from its failed record as the mapping does, then the key's next batch.
    let answers = 0;
    for (let from = 0; from >= 0 && answers < 5; answers++) {
      const answer = await retry(kinesisEvent(batch.slice(from)));
      const failed = answer.batchItemFailures[0]?.itemIdentifier;
      from = batch.findIndex((r) => r.kinesis.sequenceNumber === failed);
    }
    await retry(kinesisEvent([counted(3, 'a', 1)]));

    // Assess: the key's milestones reached the log in the order their events were applied.
    expect((await store.getItem('totals', 'a'))?.total).toBe(21);
    // First copies only: a marked second copy of a milestone is skipped downstream.
    const firsts = [...new Map(publisher.published.map((e) => [e.id, e])).values()];
    expect(firsts.map((e) => (e.data as { total: number }).total)).toEqual([10, 20]);
    expect(await store.loadOutbox(position)).toEqual([]);
  });
});
