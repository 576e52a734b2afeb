import { describe, expect, it } from 'vitest';
import { MemoryConsumerStore } from '../../shared/consumer';
import { playOutboxTakeover } from '../fixtures/outbox-takeover';

describe('recoverOutbox (another lane takes over old leftovers of a key while one of them is claimed)', () => {
  it("publishes a key's leftovers in order when another batch's invocation takes the old ones", async () => {
    const outcome = await playOutboxTakeover(new MemoryConsumerStore([]), 'shardId-000000000000');

    // Before the fix: q published m-6 alone, x's retry then m-3 behind it.
    expect(outcome).toEqual({
      outcomes: expect.anything(),
      published: ['m-3', 'm-6'],
      outboxLeft: 0,
    });
  });
});
