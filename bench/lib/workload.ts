import type { KinesisStreamRecord } from 'aws-lambda';
import { dataSchemaUri, type Envelope } from '../../shared/envelope';
import { kinesisRecord, seq } from '../../test/fixtures/kinesis';

/**
 * The benchmark's event: an `OrderRequested` of the example catalog whose whole envelope (the Kinesis
 * record) is as close to 1 KB as it gets without passing it, so on-demand Kinesis bills it as 1 KB and
 * its state item stays under DynamoDB's 1 KB write unit. `bench/results/report.json` shows the sizes.
 */
export const EVENT_TYPE = 'OrderRequested';
const TARGET_RECORD_BYTES = 1024;

export interface OrderData {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly items: readonly { sku: string; quantity: number; unitPrice: number }[];
}

const withItems = (key: string, n: number): OrderData => ({
  orderId: key,
  customerId: `customer-${key.length % 977}`,
  currency: 'EUR',
  items: Array.from({ length: n }, (_, i) => ({
    sku: `SKU-${String(i).padStart(6, '0')}`,
    quantity: 1 + i,
    unitPrice: 9.99,
  })),
});

export const envelopeOf = (data: OrderData, id: string): Envelope<OrderData> => ({
  specversion: '1.0',
  id,
  source: 'storefront',
  type: EVENT_TYPE,
  time: '2026-11-22T10:00:00.000Z',
  datacontenttype: 'application/json',
  dataschema: dataSchemaUri(EVENT_TYPE, 1),
  dataversion: 1,
  partitionkey: data.orderId,
  data,
});

const recordBytes = (data: OrderData): number =>
  Buffer.byteLength(JSON.stringify(envelopeOf(data, '0190c3f1-7f6e-7b7a-9c1d-1a2b3c4d5e6f'))) +
  Buffer.byteLength(data.orderId);

/** The most line items that keep a record (envelope + partition key, 36-char ids) within 1 KB. */
export const ITEMS_PER_ORDER = (() => {
  let n = 1;
  while (recordBytes(withItems('order-00000000', n + 1)) <= TARGET_RECORD_BYTES) n += 1;
  return n;
})();

/** A run's code: at most 5 characters, unique per run, so keys and ids of runs never collide. */
const code = (run: string): string => {
  if (run.length > 5) throw new Error(`run code "${run}" is longer than 5 characters`);
  return run.padEnd(5, '_');
};

/** Data of event `i` of run `run`; keys are fixed-width (14 chars) so every event has the same size. */
export const orderData = (run: string, i: number): OrderData =>
  withItems(`${code(run)}-${String(i).padStart(8, '0')}`, ITEMS_PER_ORDER);

/** A fixed-width (36 chars) id per event, the shape of a UUID. */
export const eventId = (run: string, i: number): string =>
  `${code(run)}000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** Lambda-shaped Kinesis records for events `from..from+count` of a run, on one shard. */
export const kinesisRecords = (
  stream: string,
  shardId: string,
  run: string,
  from: number,
  count: number,
): KinesisStreamRecord[] =>
  Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const data = orderData(run, i);
    return kinesisRecord({
      stream,
      shardId,
      sequenceNumber: seq(i + 1),
      partitionKey: data.orderId,
      data: envelopeOf(data, eventId(run, i)),
    });
  });

/** The state item both consumers write for an event: the order as the example service keeps it. */
export const stateItem = (data: OrderData) => ({
  pk: data.orderId,
  customerId: data.customerId,
  currency: data.currency,
  total: Math.round(data.items.reduce((s, i) => s + i.quantity * i.unitPrice, 0) * 100) / 100,
  status: 'REQUESTED',
  items: data.items,
});

export const recordSize = (data: OrderData): number => recordBytes(data);
