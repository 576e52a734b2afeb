import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import { type Catalog, defineCatalog } from '../../shared/catalog';
import { streamEnvVar } from '../../shared/config';
import { createDynamoStore, defineConsumer, type EventHandler } from '../../shared/consumer';
import { lambdaContext } from '../../test/fixtures/apigw';
import { kinesisRecord, seq } from '../../test/fixtures/kinesis';
import { benchCatalog } from '../lib/catalog';
import { DynamoMeter, diffCounts } from '../lib/meter';
import { createTable } from '../lib/tables';
import { envelopeOf, eventId, type OrderData, orderData } from '../lib/workload';
import { type Consumer, STREAM } from './consumers';
import { type PerEvent, perEvent } from './per-event';

/**
 * Run 1b: the example's `analytics` service on DynamoDB Local. Each event reads its order's last
 * status, puts the next one (`order-status`, one item per order) and moves two shared counters
 * (`counts`, one item per status: `add` -1 and +1), as example/services/analytics.ts does. Orders go
 * through three events (requested, validated, confirmed) spread over the log as a busy shard has
 * them: a new order every third record, its later events 10 and 20 orders behind, so a batch of 100
 * holds most of an order's events and every status counter many times.
 */
export const ANALYTICS_ORDERS = 990;
const STEPS = ['REQUESTED', 'VALIDATED', 'CONFIRMED'] as const;
const LAG = 10;
const TABLES = {
  status: 'bench-an-status',
  counts: 'bench-an-counts',
  checkpoints: 'bench-eo-checkpoints',
  parking: 'bench-eo-parking',
  outbox: 'bench-eo-outbox',
  idempotency: 'bench-eo-powertools-idempotency',
} as const;

export interface AnalyticsResult {
  readonly design: 'spine' | 'spine, coalesce off' | 'powertools';
  readonly batchSize: number;
  readonly events: number;
  readonly orders: number;
  readonly first: PerEvent;
}

/** The log: at step t, order t's first event, order t-10's second and order t-20's third. */
const analyticsRecords = (run: string, shardId: string): KinesisStreamRecord[] => {
  const orders: OrderData[] = Array.from({ length: ANALYTICS_ORDERS }, (_, o) => orderData(run, o));
  const log: OrderData[] = [];
  for (let t = 0; t < ANALYTICS_ORDERS + LAG * (STEPS.length - 1); t++)
    for (let step = 0; step < STEPS.length; step++) {
      const order = orders[t - step * LAG];
      if (order) log.push(order);
    }
  return log.map((data, i) =>
    kinesisRecord({
      stream: STREAM,
      shardId,
      sequenceNumber: seq(i + 1),
      partitionKey: data.orderId,
      data: envelopeOf(data, eventId(run, i)),
    }),
  );
};

const STEP_OF = new Map<unknown, number>(STEPS.map((s, i) => [s, i]));
const nextStatus = (previous: unknown): string =>
  STEPS[Math.min((STEP_OF.get(previous) ?? -1) + 1, STEPS.length - 1)] ?? 'REQUESTED';

const spineAnalytics = (client: DynamoDBClient, coalesce: boolean): Consumer => {
  const store = createDynamoStore({
    client: DynamoDBDocumentClient.from(client),
    service: 'orders',
    checkpointsTable: TABLES.checkpoints,
    parkingTable: TABLES.parking,
    outboxTable: TABLES.outbox,
    stateTables: { 'order-status': TABLES.status, counts: TABLES.counts },
  });
  const onOrder: EventHandler = async (event, ctx) => {
    const { orderId } = event.data as OrderData;
    const previous = (await ctx.get('order-status', orderId))?.status;
    const next = nextStatus(previous);
    if (next === previous) return;
    ctx.put('order-status', { pk: orderId, status: next });
    if (typeof previous === 'string') ctx.update('counts', previous, { add: { count: -1 } });
    ctx.update('counts', next, { add: { count: 1 } });
  };
  return defineConsumer(
    {
      catalog: withCoalesce(benchCatalog(), coalesce),
      service: 'orders',
      handlers: { OrderRequested: onOrder },
    },
    { store, env: { [streamEnvVar('orders')]: STREAM }, logReaders: false },
  );
};

const withCoalesce = (catalog: Catalog, coalesce: boolean): Catalog => {
  const { __validated: _, ...spec } = catalog;
  return defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({ ...sub, coalesce })),
    })),
  });
};

/** Powertools batch + idempotency with the same effect: a read, a PutItem and two UpdateItems per event. */
const powertoolsAnalytics = (client: DynamoDBClient): Consumer => {
  const doc = DynamoDBDocumentClient.from(client);
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: TABLES.idempotency,
    awsSdkV3Client: client,
  });
  const count = (status: string, delta: number) =>
    doc.send(
      new UpdateCommand({
        TableName: TABLES.counts,
        Key: { pk: status },
        UpdateExpression: 'ADD #c :d',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':d': delta },
      }),
    );
  const apply = makeIdempotent(
    async (event: { id: string; data: OrderData }) => {
      const key = { pk: event.data.orderId };
      const got = await doc.send(
        new GetCommand({ TableName: TABLES.status, Key: key, ConsistentRead: true }),
      );
      const previous = got.Item?.status;
      const next = nextStatus(previous);
      if (next === previous) return;
      await doc.send(new PutCommand({ TableName: TABLES.status, Item: { ...key, status: next } }));
      if (typeof previous === 'string') await count(previous, -1);
      await count(next, 1);
    },
    { persistenceStore, config },
  );
  return async (event, context) => {
    config.registerLambdaContext(context);
    return processPartialResponse(
      event,
      async (record: KinesisStreamRecord) => {
        await apply(JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')));
      },
      processor,
      { context },
    );
  };
};

/** Write units and calls per event of the analytics workload at batch 100, per design. */
export const runAnalytics = async (dynamoEndpoint: string, batchSize = 100): Promise<AnalyticsResult[]> => {
  const config = {
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  };
  const plain = new DynamoDBClient(config);
  for (const [name, key] of [
    [TABLES.status, 'pk'],
    [TABLES.counts, 'pk'],
  ] as const)
    await createTable(plain, name, key).catch(() => undefined); // run 1 may have made them
  plain.destroy();
  const designs = ['spine', 'spine, coalesce off', 'powertools'] as const;
  const results: AnalyticsResult[] = [];
  for (const [n, design] of designs.entries()) {
    const client = new DynamoDBClient(config);
    const meter = new DynamoMeter().attach(client);
    const consumer =
      design === 'powertools' ? powertoolsAnalytics(client) : spineAnalytics(client, design === 'spine');
    const records = analyticsRecords(`an${n}`, `shardId-analytics-${n}`);
    const t0 = meter.snapshot();
    for (let from = 0; from < records.length; from += batchSize) {
      const out = await consumer({ Records: records.slice(from, from + batchSize) }, lambdaContext());
      if (out.batchItemFailures.length > 0)
        throw new Error(`unexpected batch item failures: ${JSON.stringify(out.batchItemFailures)}`);
    }
    const first = perEvent(diffCounts(meter.snapshot(), t0), records.length);
    results.push({ design, batchSize, events: records.length, orders: ANALYTICS_ORDERS, first });
    client.destroy();
  }
  return results;
};

/** One table row per design: write units per event, by table, and calls. */
export const analyticsRows = (results: readonly AnalyticsResult[]) =>
  results.map((r) => ({
    design: r.design,
    batch: r.batchSize,
    events: r.events,
    'wcu/event': r.first.wcu,
    'rcu/event': r.first.rcu,
    'calls/event': r.first.calls,
    'wcu by table': JSON.stringify(r.first.wcuByTable),
    ops: JSON.stringify(r.first.callsByOp),
  }));
