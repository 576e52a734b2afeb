import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  isOutboxRecoveryDeferredError,
  MemoryConsumerStore,
  MemoryPublisher,
  MemoryShardDirectory,
  type OutboxEntry,
  recoverOutbox,
  type ShardPosition,
} from '../../shared/consumer';
import { envelopeOf } from '../fixtures/kinesis';

const PARENT = 'shardId-000000000000';
const CHILD = 'shardId-000000000002';
const at = (shardId: string): ShardPosition => ({ service: 'counter', topic: 'counts', shardId });
const CREATED = 1_795_000_000_000;

const entry = (n: number, key: string): OutboxEntry => ({
  sk: String(n).padStart(4, '0'),
  topic: 'milestones',
  envelope: {
    ...envelopeOf('MilestoneReached', { counter: key, total: n }, key, `m-${n}`),
    source: '/services/counter',
  },
  createdAt: CREATED + n,
  sourceKey: key,
});

/** Leaves entries in a shard's outbox as a crash between commit and publish does. */
const leave = async (store: MemoryConsumerStore, shardId: string, entries: OutboxEntry[]) =>
  store.commit({ position: at(shardId), moves: [], writes: [], outbox: entries });

const deferred = async (work: Promise<unknown>) => {
  try {
    await work;
    return undefined;
  } catch (error) {
    return isOutboxRecoveryDeferredError(error) ? error.reason : error;
  }
};

afterEach(() => {
  vi.useRealTimers();
});

describe('recoverOutbox', () => {
  it('publishes leftovers the search did not find, marked with their commit time, and deletes them', async () => {
    const store = new MemoryConsumerStore([]);
    const publisher = new MemoryPublisher();
    await leave(store, PARENT, [entry(1, 'a'), entry(2, 'b')]);
    await publisher.publish([entry(1, 'a')]);

    const published = await recoverOutbox(at(PARENT), { store, publisher });

    expect(published).toBe(1);
    expect(publisher.published.map((e) => [e.id, e.spineresent])).toEqual([
      ['m-1', undefined],
      ['m-2', new Date(CREATED + 2).toISOString()],
    ]);
    expect(await store.loadOutbox(at(PARENT))).toEqual([]);
  });

  it('defers, publishing nothing and keeping the entries, when the search is undecided', async () => {
    const store = new MemoryConsumerStore([]);
    const publisher = new MemoryPublisher();
    publisher.undecidedNext = 1;
    await leave(store, PARENT, [entry(1, 'a')]);

    const reason = await deferred(recoverOutbox(at(PARENT), { store, publisher, claimToken: 'me' }));
    const retried = await recoverOutbox(at(PARENT), { store, publisher, claimToken: 'me' });

    expect(reason).toBe('search-undecided');
    expect(retried).toBe(1);
    expect(publisher.published.map((e) => e.id)).toEqual(['m-1']);
  });

  it("defers while another invocation's claim is within its lease, and takes the entry after it", async () => {
    vi.useFakeTimers({ now: CREATED });
    const store = new MemoryConsumerStore([]);
    const publisher = new MemoryPublisher();
    await leave(store, PARENT, [entry(1, 'a')]);
    await store.claimOutbox(at(PARENT), entry(1, 'a').sk, 60_000, 'other');

    const during = await deferred(
      recoverOutbox(at(PARENT), { store, publisher, outboxLeaseMs: 60_000, claimToken: 'me' }),
    );
    vi.setSystemTime(CREATED + 60_001);
    const after = await recoverOutbox(at(PARENT), {
      store,
      publisher,
      outboxLeaseMs: 60_000,
      claimToken: 'me',
    });

    expect(during).toBe('claimed-elsewhere');
    expect(after).toBe(1);
    expect(publisher.published.map((e) => e.id)).toEqual(['m-1']);
  });

  it('writes no claim while a leftover it must publish first is held elsewhere', async () => {
    vi.useFakeTimers({ now: CREATED });
    const store = new MemoryConsumerStore([]);
    const publisher = new MemoryPublisher();
    await leave(store, PARENT, [entry(1, 'a'), entry(2, 'a')]);
    await store.claimOutbox(at(PARENT), entry(2, 'a').sk, 60_000, 'other');

    const reason = await deferred(
      recoverOutbox(at(PARENT), { store, publisher, outboxLeaseMs: 60_000, claimToken: 'me' }),
    );
    // The first entry was left free: a third invocation can take it at once.
    const free = await store.claimOutbox(at(PARENT), entry(1, 'a').sk, 60_000, 'third');

    expect(reason).toBe('claimed-elsewhere');
    expect(free).toBe(true);
    expect(publisher.published).toEqual([]);
  });

  it("leaves another batch's old leftover to the invocation holding its claim, and recovers its own keys", async () => {
    vi.useFakeTimers({ now: CREATED + 60_010 });
    const store = new MemoryConsumerStore([]);
    const publisher = new MemoryPublisher();
    await leave(store, PARENT, [entry(1, 'a'), entry(2, 'b')]);
    await store.claimOutbox(at(PARENT), entry(2, 'b').sk, 60_000, 'other');
    const deps = { store, publisher, outboxLeaseMs: 60_000, claimToken: 'me' };

    const published = await recoverOutbox(at(PARENT), deps, new Set(['a']));

    expect(published).toBe(1);
    expect(publisher.published.map((e) => e.id)).toEqual(['m-1']);
    expect((await store.loadOutbox(at(PARENT))).map((e) => [e.sk, e.claim?.token])).toEqual([
      [entry(2, 'b').sk, 'other'],
    ]);
  });

  it('recovers the leftovers of a closed parent from the child shard, and remembers it drained', async () => {
    const store = new MemoryConsumerStore([]);
    const publisher = new MemoryPublisher();
    const shards = new MemoryShardDirectory({ [CHILD]: [PARENT] });
    const drainedParents = new Set<string>();
    await leave(store, PARENT, [entry(1, 'a')]);
    const deps = { store, publisher, shards, drainedParents };

    const first = await recoverOutbox(at(CHILD), deps, undefined, 'counts-stream');
    await leave(store, PARENT, [entry(2, 'a')]);
    const second = await recoverOutbox(at(CHILD), deps, undefined, 'counts-stream');

    expect(first).toBe(1);
    expect(second).toBe(0);
    expect(publisher.published.map((e) => e.id)).toEqual(['m-1']);
  });
});
