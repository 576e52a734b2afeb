import { describe, expect, it } from 'vitest';
import { MemoryConsumerStore } from '../../shared/consumer';
import { playOutboxTakeover } from '../fixtures/outbox-takeover';

describe('recoverOutbox (another lane takes over old leftovers of a key while one of them is claimed)', () => {
  it("publishes a key's leftovers in order when another batch's invocation takes the old ones", async () => {
    const outcome = await playOutboxTakeover(new MemoryConsumerStore([]), 'shardId-000000000000');

    // Before the fix: q published m-6 (with m-9), x's retry then m-3 behind it. q still takes key c's
    // old leftover: the prefix rule holds back key a alone (x's first claim of it is then refused).
    expect(outcome).toEqual({
      outcomes: ['recovered', 'claimed-elsewhere', 'recovered'],
      published: ['m-9', 'm-3', 'm-6'],
      outboxLeft: 0,
    });
  });
});
