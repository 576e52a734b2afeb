import { describe, expect, it } from 'vitest';
import { MemoryConsumerStore } from '../../shared/consumer';
import { testCatalog } from '../fixtures/catalog';
import { playOutboxOrder, testCatalogAtFactor4 } from '../fixtures/outbox-order';

// processBatch reads the checkpoints before the outbox. Read the other way round (as it was until
// 2026-11-27), an emit committed between the two reads was overtaken by the retry's later emit of the
// same key ([20, 10] here; downstream, the property test's factor-4 `outOfOrder`). The same scenario
// runs on DynamoDB Local in test/integration/consumer/outbox-order.test.ts.
describe.each([
  { mode: 'shard checkpoints (factor 1)', catalog: testCatalog },
  { mode: 'key markers (factor 4)', catalog: testCatalogAtFactor4() },
])('consumer runtime: a key emits in order when a zombie commits beside the retry, $mode', ({ catalog }) => {
  it("publishes the zombie's committed emit of a key before the retry's later emit of that key", async () => {
    const store = new MemoryConsumerStore(['totals']);
    const outcome = await playOutboxOrder(catalog, store, 'shardId-000000000000', 'a');
    expect(outcome).toEqual({ total: 21, milestones: [10, 20], outboxLeft: 0 });
  });
});
