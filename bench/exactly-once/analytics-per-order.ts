import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import { streamEnvVar } from '../../shared/config';
import { createDynamoStore, defineConsumer, type EventHandler } from '../../shared/consumer';
import { kinesisRecord, seq } from '../../test/fixtures/kinesis';
import { benchCatalog } from '../lib/catalog';
import { envelopeOf, eventId, type OrderData, orderData } from '../lib/workload';
import { type AnalyticsTables, LAG } from './analytics-tables';
import { type Consumer, STREAM } from './consumers';

/**
 * Run 1b's comparison row: the example's `analytics` service as it was until 2026-11-28. Each event
 * read its order's last status, put the next one (`order-status`, one item per order) and moved two
 * shared counters (`counts`: `add` -1 and +1). Every distinct order in a batch cost one transactional
 * put at 2 WCU, so coalescing could not take it below ~1.07 WCU/event here (docs/performance.md).
 * Orders go through three events, spread as in `analyticsRecords` (./analytics.ts).
 */
const STEPS = ['REQUESTED', 'VALIDATED', 'CONFIRMED'] as const;

/** The log: at step t, order t's first event, order t-10's second and order t-20's third. */
export const perOrderRecords = (run: string, shardId: string, orderCount: number): KinesisStreamRecord[] => {
  const orders: OrderData[] = Array.from({ length: orderCount }, (_, o) => orderData(run, o));
  const log: OrderData[] = [];
  for (let t = 0; t < orderCount + LAG * (STEPS.length - 1); t++)
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

/** The earlier handler on Spine's runtime, coalescing on. */
export const perOrderAnalytics = (client: DynamoDBClient, tables: AnalyticsTables): Consumer => {
  const store = createDynamoStore({
    client: DynamoDBDocumentClient.from(client),
    service: 'orders',
    checkpointsTable: tables.checkpoints,
    parkingTable: tables.parking,
    outboxTable: tables.outbox,
    stateTables: { 'order-status': tables.status, counts: tables.counts },
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
    { catalog: benchCatalog(), service: 'orders', handlers: { OrderRequested: onOrder } },
    { store, env: { [streamEnvVar('orders')]: STREAM }, logReaders: false },
  );
};
