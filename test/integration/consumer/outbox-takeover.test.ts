import { describe, expect, it } from 'vitest';
import { playOutboxTakeover } from '../../fixtures/outbox-takeover';
import { useDynamoStores } from './harness';

const newStore = useDynamoStores();

// test/unit/consumer-outbox-recovery-prefix.test.ts's scenario on DynamoDB Local: the claims are
// conditional UpdateItems (a deleted entry refuses its claim), the outbox a Query in sk order.
describe('outbox recovery on DynamoDB Local: another lane takes over old leftovers', () => {
  it("publishes a key's leftovers in order while one of them is claimed elsewhere", async () => {
    const outcome = await playOutboxTakeover(newStore(), 'shardId-000000000007');
    expect(outcome).toEqual({
      outcomes: ['recovered', 'claimed-elsewhere', 'recovered'],
      published: ['m-9', 'm-3', 'm-6'],
      outboxLeft: 0,
    });
  });
});
