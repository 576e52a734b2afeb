import { createDocumentClient, createKinesisClient } from '../../shared/aws';
import { RUNTIME_TABLE_ENV, requireEnv, stateTableEnvVar } from '../../shared/config';
import {
  type ConsumerStore,
  createDynamoStore,
  createKinesisCopyFinder,
  createKinesisShardDirectory,
  defineConsumer,
  type EventHandler,
} from '../../shared/consumer';
import { catalog } from '../lib/catalog';
import { type OrderData, stateItem } from '../lib/workload';
import { appliedAt } from './applied';

/**
 * The `orders` consumer local mode runs in the latency bench: the real runtime and DynamoDB store,
 * configured from the environment as `defineConsumer` does by default, with the store's `commit`
 * and `writeFenced` wrapped to note when each state write became durable. Nothing else differs from a service.
 */
const inner = createDynamoStore({
  client: createDocumentClient(),
  service: 'orders',
  checkpointsTable: requireEnv(RUNTIME_TABLE_ENV.checkpoints),
  parkingTable: requireEnv(RUNTIME_TABLE_ENV.parking),
  outboxTable: requireEnv(RUNTIME_TABLE_ENV.outbox),
  stateTables: { orders: requireEnv(stateTableEnvVar('orders', 'orders')) },
});

const store: ConsumerStore = {
  ...inner,
  async commit(commit) {
    await inner.commit(commit);
    const now = performance.now();
    for (const write of commit.writes) if (write.kind === 'put') appliedAt.set(write.item.pk, now);
  },
  // The single-item path commits a one-put event alone, outside `commit` (docs/consumer-single-item.md).
  async writeFenced(position, write) {
    const outcome = await inner.writeFenced(position, write);
    if (outcome === 'written' && write.kind === 'put') appliedAt.set(write.item.pk, performance.now());
    return outcome;
  },
};

const onRequested: EventHandler<OrderData> = (event, ctx) => {
  ctx.put('orders', stateItem(event.data));
};

const kinesis = createKinesisClient();
const shards = createKinesisShardDirectory(kinesis);

export const handler = defineConsumer(
  { catalog, service: 'orders', handlers: { OrderRequested: onRequested as EventHandler } },
  // The look-back for marked records and the shard lineage share this container's Kinesis client.
  { store, copies: createKinesisCopyFinder(kinesis, { shards }), shards },
);
