import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  isOutboxRecoveryDeferredError,
  MemoryConsumerStore,
  MemoryPublisher,
  type OutboxEntry,
  recoverOutbox,
  type ShardPosition,
} from '../../shared/consumer';
import { milestoneEntry } from '../fixtures/outbox';

const PARENT = 'shardId-000000000000';
const parent: ShardPosition = { service: 'counter', topic: 'counts', shardId: PARENT };
const CREATED = 1_795_000_000_000;
const LEASE = 60_000;

const entry = (n: number): OutboxEntry => milestoneEntry(n, CREATED + n);

/**
 * DynamoDB applies two invocations' concurrent conditional writes to one partition in any order. This
 * store lands the claims named `late` (`token/sk`) only once the others have landed, or once every
 * claim still in flight is a late one (so a recovery that claims one entry at a time is not blocked).
 */
class InterleavingStore extends MemoryConsumerStore {
  private waiting: (() => void)[] = [];
  private early: number;

  constructor(
    private readonly late: ReadonlySet<string>,
    early: number,
    private readonly lateInFlight: number,
  ) {
    super([]);
    this.early = early;
  }

  override async claimOutbox(position: ShardPosition, sk: string, leaseMs: number, token: string) {
    if (this.late.has(`${token}/${sk}`) && this.early > 0) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.waiting.length >= this.lateInFlight) this.open();
      });
    }
    const claimed = await super.claimOutbox(position, sk, leaseMs, token);
    if (!this.late.has(`${token}/${sk}`)) {
      this.early -= 1;
      if (this.early === 0) this.open();
    }
    return claimed;
  }

  private open() {
    this.early = 0;
    for (const resolve of this.waiting.splice(0)) resolve();
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

describe('recoverOutbox (two invocations racing for the same leftovers)', () => {
  it('lets one of them recover the leftovers, rather than both holding part of them for a lease', async () => {
    // Prepare: a closed parent's two leftovers, which both children of a split (or two batches at
    // parallelization > 1) recover at once; each invocation's first claim lands before the other's.
    vi.useFakeTimers({ now: CREATED, toFake: ['Date'] });
    const store = new InterleavingStore(new Set(['a/0002', 'b/0001']), 2, 2);
    const publisher = new MemoryPublisher();
    await store.commit({ position: parent, moves: [], writes: [], outbox: [entry(1), entry(2)] });
    const deps = (claimToken: string) => ({ store, publisher, outboxLeaseMs: LEASE, claimToken });

    // Act: the race, then each invocation's retry (the mapping retries a deferred batch) within the lease.
    const race = await Promise.all([
      outcome(recoverOutbox(parent, deps('a'))),
      outcome(recoverOutbox(parent, deps('b'))),
    ]);
    vi.setSystemTime(CREATED + LEASE / 2);
    const retries = [
      await outcome(recoverOutbox(parent, deps('a'))),
      await outcome(recoverOutbox(parent, deps('b'))),
    ];

    // Assess: the leftovers went out once, within the lease (before: in the race itself).
    expect({ race, retries, published: publisher.published.map((e) => e.id) }).toEqual({
      race: expect.anything(),
      retries: expect.anything(),
      published: ['m-1', 'm-2'],
    });
  });
});
