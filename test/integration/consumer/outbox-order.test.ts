import { describe, expect, it } from 'vitest';
import { testCatalog } from '../../fixtures/catalog';
import { playOutboxOrder, testCatalogAtFactor4 } from '../../fixtures/outbox-order';
import { useDynamoStores } from './harness';

const newStore = useDynamoStores();

// test/unit/consumer-outbox-order.test.ts's scenario on DynamoDB Local: the twin's commit lands between
// the retry's checkpoint read (BatchGetItem) and its outbox read (Query), and the retry's own commit is
// then refused by DynamoDB's condition on the checkpoint or key marker the twin moved.
describe.each([
  { mode: 'shard checkpoints (factor 1)', catalog: testCatalog, shardId: 'shardId-000000000001' },
  { mode: 'key markers (factor 4)', catalog: testCatalogAtFactor4(), shardId: 'shardId-000000000002' },
])(
  'consumer runtime on DynamoDB Local: a key emits in order beside a twin, $mode',
  ({ catalog, shardId }) => {
    it("publishes the twin's committed emit of a key before the retry's later emit of that key", async () => {
      const outcome = await playOutboxOrder(catalog, newStore(), shardId, `a-${shardId}`);
      expect(outcome).toEqual({ total: 21, milestones: [10, 20], outboxLeft: 0 });
    });
  },
);
