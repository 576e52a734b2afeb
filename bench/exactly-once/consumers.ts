import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { RUNTIME_TABLES, streamEnvVar } from '../../shared/config';
import { createDynamoStore, defineConsumer, type EventHandler } from '../../shared/consumer';
import { createPowertoolsConsumer } from '../baseline/powertools-consumer';
import { catalog } from '../lib/catalog';
import { createTable } from '../lib/tables';
import { type OrderData, stateItem } from '../lib/workload';

export type Consumer = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

export const STREAM = 'orders';
const TABLES = {
  state: 'bench-eo-state',
  checkpoints: 'bench-eo-checkpoints',
  parking: 'bench-eo-parking',
  outbox: 'bench-eo-outbox',
  baselineState: 'bench-eo-baseline-state',
  idempotency: 'bench-eo-powertools-idempotency',
} as const;

/** Creates the tables of both designs on DynamoDB Local. */
export const createExactlyOnceTables = async (client: DynamoDBClient): Promise<typeof TABLES> => {
  const cp = RUNTIME_TABLES.checkpoints;
  const pk = RUNTIME_TABLES.parking;
  const ob = RUNTIME_TABLES.outbox;
  await createTable(client, TABLES.state, 'pk');
  await createTable(client, TABLES.checkpoints, cp.partitionKey, cp.sortKey);
  await createTable(client, TABLES.parking, pk.partitionKey, pk.sortKey);
  await createTable(client, TABLES.outbox, ob.partitionKey, ob.sortKey);
  await createTable(client, TABLES.baselineState, 'pk');
  await createTable(client, TABLES.idempotency, 'id'); // Powertools' default key attribute
  return TABLES;
};

/** Spine: `defineConsumer` with the real DynamoDB store on the metered client; one state write per event. */
export const spineConsumer = (client: DynamoDBClient): Consumer => {
  const store = createDynamoStore({
    client: DynamoDBDocumentClient.from(client),
    service: 'orders',
    checkpointsTable: TABLES.checkpoints,
    parkingTable: TABLES.parking,
    outboxTable: TABLES.outbox,
    stateTables: { orders: TABLES.state },
  });
  const onRequested: EventHandler<OrderData> = (event, ctx) => {
    ctx.put('orders', stateItem(event.data));
  };
  return defineConsumer(
    { catalog, service: 'orders', handlers: { OrderRequested: onRequested as EventHandler } },
    { store, env: { [streamEnvVar('orders')]: STREAM }, logReaders: false },
  );
};

/** The baseline: Powertools batch + idempotency, the same single PutItem per event. */
export const powertoolsConsumer = (client: DynamoDBClient): Consumer =>
  createPowertoolsConsumer({
    catalog,
    client,
    stateTable: TABLES.baselineState,
    idempotencyTable: TABLES.idempotency,
    toItem: (data) => stateItem(data as OrderData),
  });
