import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  isOutboxRecoveryDeferredError,
  MemoryConsumerStore,
  MemoryPublisher,
  recoverOutbox,
  type ShardPosition,
} from '../../shared/consumer';
import { milestoneEntry } from '../fixtures/outbox';

const shard: ShardPosition = { service: 'counter', topic: 'counts', shardId: 'shardId-000000000000' };
const CREATED = 1_795_000_000_000;
const LEASE = 60_000;

/** Holds one invocation's claim of one entry (`token/sk`) until `release`: the claims are one write each. */
class PausingStore extends MemoryConsumerStore {
  private resume: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.resume = resolve;
  });
  paused = false;

  constructor(private readonly at: string) {
    super([]);
  }

  override async claimOutbox(position: ShardPosition, sk: string, leaseMs: number, token: string) {
    if (`${token}/${sk}` === this.at) {
      this.paused = true;
      await this.gate;
    }
    return super.claimOutbox(position, sk, leaseMs, token);
  }

  release() {
    this.resume();
  }
}

const outcome = async (work: Promise<unknown>) => {
  try {
    await work;
    return 'recovered';
  } catch (error) {
    return isOutboxRecoveryDeferredError(error) ? error.reason : error;
  }
};

afterEach(() => {
  vi.useRealTimers();
});

describe('recoverOutbox (another lane takes over old leftovers of a key while one of them is claimed)', () => {
  it("publishes a key's leftovers in order when another batch's invocation takes the old ones", async () => {
    // Prepare: a dead invocation left key a's milestones 3 and 6 (one coalesced commit), older than
    // the lease. Invocation x (key a's retry) claims them in sk order; its claim of 6 is one write
    // behind its claim of 3, and there invocation q (a batch of key b on another lane, factor 4) runs.
    vi.useFakeTimers({ now: CREATED + LEASE + 1_000, toFake: ['Date'] });
    const store = new PausingStore('x/0006');
    const publisher = new MemoryPublisher();
    await store.commit({
      position: shard,
      moves: [],
      writes: [],
      outbox: [milestoneEntry(3, CREATED), milestoneEntry(6, CREATED + 14)],
    });
    const deps = (claimToken: string) => ({ store, publisher, outboxLeaseMs: LEASE, claimToken });

    // Act: x up to its claim of 6, q whole, x on; then x's retry (the mapping retries a deferred batch).
    const x = outcome(recoverOutbox(shard, deps('x'), new Set(['a'])));
    await vi.waitFor(() => expect(store.paused).toBe(true));
    const q = await outcome(recoverOutbox(shard, deps('q'), new Set(['b'])));
    store.release();
    const first = await x;
    const retry = await outcome(recoverOutbox(shard, deps('x'), new Set(['a'])));

    // Assess: milestone 3 went out before 6, and nothing is left (before: q published 6 alone, x's
    // retry then 3 behind it, as the factor-4 property test saw on 9 keys of run eo4-745578).
    expect({
      q,
      first,
      retry,
      published: publisher.published.map((e) => e.id),
      left: (await store.loadOutbox(shard)).length,
    }).toEqual({
      q: expect.anything(),
      first: expect.anything(),
      retry: expect.anything(),
      published: ['m-3', 'm-6'],
      left: 0,
    });
  });
});
