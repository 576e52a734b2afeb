import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import { RUNTIME_TABLES, streamEnvVar } from '../../shared/config';
import {
  createDynamoStore,
  createKinesisCopyFinder,
  createKinesisShardDirectory,
  defineConsumer,
  type EventHandler,
  type KinesisHandler,
} from '../../shared/consumer';
import { lambdaContext } from '../../test/fixtures/apigw';
import { kinesisEvent } from '../../test/fixtures/kinesis';
import { catalog } from '../lib/catalog';
import { createTable } from '../lib/tables';
import { type OrderData, stateItem } from '../lib/workload';
import { type MeteredClients, meteredClients, type RareEndpoints } from './setup';

export const RARE_TABLES = {
  state: 'bench-rare-state',
  checkpoints: 'bench-rare-checkpoints',
  parking: 'bench-rare-parking',
  outbox: 'bench-rare-outbox',
} as const;

export const createRareTables = async (client: DynamoDBClient): Promise<void> => {
  await createTable(client, RARE_TABLES.state, 'pk');
  const cp = RUNTIME_TABLES.checkpoints;
  const pk = RUNTIME_TABLES.parking;
  const ob = RUNTIME_TABLES.outbox;
  await createTable(client, RARE_TABLES.checkpoints, cp.partitionKey, cp.sortKey);
  await createTable(client, RARE_TABLES.parking, pk.partitionKey, pk.sortKey);
  await createTable(client, RARE_TABLES.outbox, ob.partitionKey, ob.sortKey);
};

/** The bench's one state write per event (as run 1), so only the path differs. */
export const putOrder: EventHandler = (event, ctx) => {
  ctx.put('orders', stateItem(event.data as OrderData));
};

export interface Container extends MeteredClients {
  readonly consumer: KinesisHandler;
}

/**
 * One "Lambda container": `defineConsumer` with the real DynamoDB store and the real Kinesis copy
 * finder (ListShards lineage, GetShardIterator + GetRecords look-back), on fresh metered clients.
 * `wrap` lets a scenario put a client middleware in (a death), before the consumer exists.
 */
export const container = (
  endpoints: RareEndpoints,
  stream: string,
  handler: EventHandler = putOrder,
  wrap?: (clients: MeteredClients) => void,
): Container => {
  const clients = meteredClients(endpoints);
  wrap?.(clients);
  const store = createDynamoStore({
    client: DynamoDBDocumentClient.from(clients.dynamo),
    service: 'orders',
    checkpointsTable: RARE_TABLES.checkpoints,
    parkingTable: RARE_TABLES.parking,
    outboxTable: RARE_TABLES.outbox,
    stateTables: { orders: RARE_TABLES.state },
  });
  const consumer = defineConsumer(
    { catalog, service: 'orders', handlers: { OrderRequested: handler } },
    {
      store,
      env: { [streamEnvVar('orders')]: stream },
      copies: createKinesisCopyFinder(clients.kinesis),
      shards: createKinesisShardDirectory(clients.kinesis),
      // No pause before answering: units and calls are what is measured, not wall time.
      backoff: false,
    },
  );
  return { ...clients, consumer };
};

/**
 * Plays the event source mapping with MaximumRetryAttempts -1: invokes with the reported tail again
 * until every record is acknowledged. Returns the invocations made.
 */
export const untilDone = async (
  consumer: KinesisHandler,
  records: readonly KinesisStreamRecord[],
  limit = 50,
): Promise<number> => {
  let from = 0;
  let invocations = 0;
  while (from < records.length) {
    if (invocations >= limit) throw new Error(`batch not done after ${limit} invocations`);
    invocations += 1;
    const out = await consumer(kinesisEvent(records.slice(from)), lambdaContext(60_000));
    const failed = out.batchItemFailures[0]?.itemIdentifier;
    from = failed ? records.findIndex((r) => r.kinesis.sequenceNumber === failed) : records.length;
    if (from < 0) throw new Error(`batch item failure ${failed} is not in the batch`);
  }
  return invocations;
};
