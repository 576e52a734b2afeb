import { describe, expect, it } from 'vitest';
import {
  isOutboxRecoveryDeferredError,
  MemoryConsumerStore,
  MemoryPublisher,
  type OutboxEntry,
  recoverOutbox,
  type ShardPosition,
} from '../../shared/consumer';
import { envelopeOf } from '../fixtures/kinesis';

const shard: ShardPosition = { service: 'counter', topic: 'counts', shardId: 'shardId-000000000000' };

const entry = (n: number): OutboxEntry => ({
  sk: String(n).padStart(4, '0'),
  topic: 'milestones',
  envelope: {
    ...envelopeOf('MilestoneReached', { counter: 'a', total: n }, 'a', `m-${n}`),
    source: '/services/counter',
  },
  createdAt: Date.now() - 1_000,
  sourceKey: 'a',
});

/**
 * A point two recoveries pass side by side: each waits there until the other has reached it too, or
 * has finished (refused, deferred) without reaching it, so a recovery the lease stops never blocks.
 */
class Meeting {
  private arrived = 0;
  private open: () => void = () => {};
  private readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });

  constructor(private readonly expected: number) {}

  async reach(): Promise<void> {
    this.arrived += 1;
    if (this.arrived >= this.expected) this.open();
    await this.opened;
  }

  /** One contender will not come (it settled): the others go on. */
  leave(): void {
    this.arrived += 1;
    if (this.arrived >= this.expected) this.open();
  }
}

/** Both recoveries load the leftovers before either claims them: neither sees the other's claim yet. */
class MeetingStore extends MemoryConsumerStore {
  constructor(readonly loaded: Meeting) {
    super([]);
  }

  override async loadOutbox(position: ShardPosition): Promise<OutboxEntry[]> {
    const entries = await super.loadOutbox(position);
    await this.loaded.reach();
    return entries;
  }
}

/** Both recoveries that get past their claims search the log before either publishes. */
class MeetingPublisher extends MemoryPublisher {
  constructor(readonly searched: Meeting) {
    super();
  }

  override async findPublished(entries: readonly OutboxEntry[], since: number, deadline: number) {
    await this.searched.reach();
    return super.findPublished(entries, since, deadline);
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

describe('recoverOutbox (the claim lease between concurrent recoveries)', () => {
  it('publishes each leftover once when a retry recovers alongside the timed-out invocation it replaces', async () => {
    // Prepare: a crashed invocation's two leftovers; the mapping's retry of that batch and a
    // timed-out invocation of it that still runs both start recovering them, no response is lost.
    const loaded = new Meeting(2);
    const searched = new Meeting(2);
    const store = new MeetingStore(loaded);
    const publisher = new MeetingPublisher(searched);
    await store.commit({ position: shard, moves: [], writes: [], outbox: [entry(1), entry(2)] });
    const recovery = (claimToken: string) =>
      outcome(recoverOutbox(shard, { store, publisher, outboxLeaseMs: 30_000, claimToken }, new Set(['a'])));
    const leave = (result: unknown) => {
      searched.leave();
      return result;
    };

    // Act: both at once; a recovery that settles (refused by the other's claim) releases the meetings.
    const results = await Promise.all([recovery('zombie').then(leave), recovery('retry').then(leave)]);

    // Assess: one recovered, the other was refused by its claim, and each leftover went out once.
    expect({
      results: [...results].sort(),
      published: publisher.published.map((e) => e.id).sort(),
      left: await store.loadOutbox(shard),
    }).toEqual({
      results: ['claimed-elsewhere', 'recovered'],
      published: ['m-1', 'm-2'],
      left: [],
    });
  });
});
