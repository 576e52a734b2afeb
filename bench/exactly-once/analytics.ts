import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import { catalog as exampleCatalog } from '../../example/catalog';
import { type CountedType, countKey, REACHED } from '../../example/domain/analytics';
import { analytics } from '../../example/services/analytics';
import { type Catalog, defineCatalog } from '../../shared/catalog';
import { streamEnvVar } from '../../shared/config';
import { createDynamoStore, defineService } from '../../shared/consumer';
import { dataSchemaUri } from '../../shared/envelope';
import { lambdaContext } from '../../test/fixtures/apigw';
import { kinesisRecord, seq } from '../../test/fixtures/kinesis';
import { DynamoMeter, diffCounts } from '../lib/meter';
import { createTable } from '../lib/tables';
import { envelopeOf, eventId, orderData } from '../lib/workload';
import { perOrderAnalytics, perOrderRecords } from './analytics-per-order';
import { type AnalyticsTables, LAG, ANALYTICS_TABLES as TABLES } from './analytics-tables';
import { type Consumer, STREAM } from './consumers';
import { type PerEvent, perEvent } from './per-event';

/**
 * Run 1b: the example's `analytics` service itself (example/services/analytics.ts, its catalog
 * entry, `defineService`) on DynamoDB Local. The log is the orders topic as a busy shard has it: a
 * new order's `OrderRequested` (~1 KB, which analytics skips) every third record, the orders
 * service's decision about it 10 orders later and the payment's outcome 10 orders after that, so a
 * batch of 100 holds most of an order's events and every status counter many times. One order in 10
 * is rejected (no third event); one in 10 of the others is cancelled, the rest confirmed.
 */
export const ANALYTICS_ORDERS = 990;

export interface AnalyticsResult {
  readonly design: 'spine' | 'spine, coalesce off' | 'powertools' | 'spine, per-order status view (before)';
  readonly batchSize: number;
  readonly events: number;
  readonly orders: number;
  readonly first: PerEvent;
}

const decisionData = (type: CountedType, orderId: string, customerId: string) => {
  const money = { amount: 29.97, currency: 'EUR' };
  switch (type) {
    case 'OrderValidated':
      return { orderId, customerId, ...money };
    case 'OrderRejected':
      return { orderId, customerId, reasons: ['discontinued-x is discontinued'] };
    case 'OrderConfirmed':
      return { orderId, customerId, ...money, homeAmount: 29.97, homeCurrency: 'EUR' };
    case 'OrderCancelled':
      return { orderId, customerId, reason: 'payment failed: DECLINED' };
  }
};

/** Order `o`'s events after its request: its decision, then (if validated) the payment's outcome. */
const laterTypes = (o: number): CountedType[] =>
  o % 10 === 9 ? ['OrderRejected'] : ['OrderValidated', o % 10 === 4 ? 'OrderCancelled' : 'OrderConfirmed'];

/** The log: at step t, order t's request, order t-10's decision and order t-20's outcome. */
export const analyticsRecords = (run: string, shardId: string): KinesisStreamRecord[] => {
  const log: { key: string; envelope: unknown }[] = [];
  for (let t = 0; t < ANALYTICS_ORDERS + 2 * LAG; t++)
    for (let step = 0; step < 3; step++) {
      const o = t - step * LAG;
      if (o < 0 || o >= ANALYTICS_ORDERS) continue;
      const request = orderData(run, o);
      const id = eventId(run, log.length);
      if (step === 0) {
        log.push({ key: request.orderId, envelope: envelopeOf(request, id) });
        continue;
      }
      const type = laterTypes(o)[step - 1];
      if (!type) continue;
      const data = decisionData(type, request.orderId, request.customerId);
      const envelope = {
        ...envelopeOf(request, id),
        source: 'orders',
        type,
        dataschema: dataSchemaUri(type, 1),
        data,
      };
      log.push({ key: request.orderId, envelope });
    }
  // Arrived now, as a live shard's records: the 1b runtime applies its age rules to them as on AWS.
  const arrivedAtSeconds = Date.now() / 1000;
  return log.map(({ key, envelope }, i) =>
    kinesisRecord({
      stream: STREAM,
      shardId,
      sequenceNumber: seq(i + 1),
      partitionKey: key,
      data: envelope,
      arrivedAtSeconds,
    }),
  );
};

/** The same catalog with every subscription's `coalesce` set (its type unchanged: one setting differs). */
const withCoalesce = <C extends Catalog>(catalog: C, coalesce: boolean): C => {
  const { __validated: _, ...spec } = catalog;
  return defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({ ...sub, coalesce })),
    })),
  }) as unknown as C;
};

/** The example's analytics service on Spine's runtime, with the catalog's settings or coalescing off. */
const spineAnalytics = (client: DynamoDBClient, tables: AnalyticsTables, coalesce: boolean): Consumer => {
  const store = createDynamoStore({
    client: DynamoDBDocumentClient.from(client),
    service: 'analytics',
    checkpointsTable: tables.checkpoints,
    parkingTable: tables.parking,
    outboxTable: tables.outbox,
    stateTables: { counts: tables.counts },
  });
  const env = Object.fromEntries(exampleCatalog.topics.map((t) => [streamEnvVar(t.name), t.name]));
  const options = { store, env, logReaders: false as const };
  if (coalesce) return defineService(analytics, options);
  return defineService(withCoalesce(exampleCatalog, false), 'analytics', { on: analytics.on }, options);
};

const COUNTED: ReadonlySet<string> = new Set(Object.keys(REACHED));

/**
 * Powertools batch + idempotency, written the idiomatic way: per decision, an idempotency record and
 * one counter add. The same counts when nothing fails; not atomic (the add and the idempotency record
 * are separate writes, so a crash between them adds twice on the retry), where Spine's commit is.
 */
const powertoolsAnalytics = (client: DynamoDBClient, tables: AnalyticsTables): Consumer => {
  const doc = DynamoDBDocumentClient.from(client);
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: tables.idempotency,
    awsSdkV3Client: client,
  });
  const apply = makeIdempotent(
    async (event: { id: string; type: CountedType }) => {
      await doc.send(
        new UpdateCommand({
          TableName: tables.counts,
          Key: { pk: countKey(REACHED[event.type]) },
          UpdateExpression: 'ADD #c :d',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':d': 1 },
        }),
      );
    },
    { persistenceStore, config },
  );
  return async (event, context) => {
    config.registerLambdaContext(context);
    return processPartialResponse(
      event,
      async (record: KinesisStreamRecord) => {
        const envelope = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
        if (COUNTED.has(envelope.type)) await apply(envelope);
      },
      processor,
      { context },
    );
  };
};

const DESIGNS = [
  'spine',
  'spine, coalesce off',
  'powertools',
  'spine, per-order status view (before)',
] as const;
const BEFORE = 'spine, per-order status view (before)';

/** Each design's own counters, read before and after its run: the bench checks the effect, not only its cost. */
const readCounts = async (doc: DynamoDBDocumentClient, table: string, statuses: readonly string[]) => {
  const counts: Record<string, number> = {};
  for (const pk of statuses) {
    const got = await doc.send(new GetCommand({ TableName: table, Key: { pk }, ConsistentRead: true }));
    counts[pk] = Number(got.Item?.count ?? 0);
  }
  return counts;
};

/**
 * What a design must have counted, from the workload's own rule (`laterTypes`), not from `REACHED`: so
 * a decision counted under the wrong status fails too.
 */
const expectedCounts = (design: (typeof DESIGNS)[number]): Record<string, number> => {
  if (design === BEFORE) return { REQUESTED: 0, VALIDATED: 0, CONFIRMED: ANALYTICS_ORDERS };
  const orders = Array.from({ length: ANALYTICS_ORDERS }, (_, o) => o);
  const rejected = orders.filter((o) => o % 10 === 9).length;
  const cancelled = orders.filter((o) => o % 10 === 4).length;
  const key = (status: string) => `reached#${status}`;
  return {
    [key('VALIDATED')]: ANALYTICS_ORDERS - rejected,
    [key('REJECTED')]: rejected,
    [key('CONFIRMED')]: ANALYTICS_ORDERS - rejected - cancelled,
    [key('CANCELLED')]: cancelled,
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
  const doc = DynamoDBDocumentClient.from(plain);
  const countsOf = (n: number) => `${TABLES.counts}-${n}`;
  for (const name of [TABLES.status, ...DESIGNS.map((_, n) => countsOf(n))])
    await createTable(plain, name, 'pk').catch(() => undefined); // an earlier run may have made them
  const results: AnalyticsResult[] = [];
  for (const [n, design] of DESIGNS.entries()) {
    const tables = { ...TABLES, counts: countsOf(n) };
    const client = new DynamoDBClient(config);
    const meter = new DynamoMeter().attach(client);
    const shardId = `shardId-analytics-${n}`;
    const consumer =
      design === 'powertools'
        ? powertoolsAnalytics(client, tables)
        : design === BEFORE
          ? perOrderAnalytics(client, tables)
          : spineAnalytics(client, tables, design === 'spine');
    const records =
      design === BEFORE
        ? perOrderRecords(`an${n}`, shardId, ANALYTICS_ORDERS)
        : analyticsRecords(`an${n}`, shardId);
    const expected = expectedCounts(design);
    const before = await readCounts(doc, tables.counts, Object.keys(expected));
    const t0 = meter.snapshot();
    for (let from = 0; from < records.length; from += batchSize) {
      const out = await consumer({ Records: records.slice(from, from + batchSize) }, lambdaContext());
      if (out.batchItemFailures.length > 0)
        throw new Error(`unexpected batch item failures: ${JSON.stringify(out.batchItemFailures)}`);
    }
    const first = perEvent(diffCounts(meter.snapshot(), t0), records.length);
    const after = await readCounts(doc, tables.counts, Object.keys(expected));
    const counted = Object.fromEntries(
      Object.keys(expected).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]),
    );
    if (JSON.stringify(counted) !== JSON.stringify(expected))
      throw new Error(
        `run 1b, ${design}: counted ${JSON.stringify(counted)}, expected ${JSON.stringify(expected)}`,
      );
    results.push({ design, batchSize, events: records.length, orders: ANALYTICS_ORDERS, first });
    client.destroy();
  }
  plain.destroy();
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
