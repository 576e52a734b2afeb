import * as Type from 'typebox';
import { defineCatalog, type SubscriptionSpec } from '../../shared/catalog';

/** A small catalog for the typed service definition: two versions that differ, a table subscription. */
const settings = {
  batchSize: 10,
  batchingWindowSeconds: 0,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  retry: { maxAttempts: 3, bisectOnError: false },
} as const satisfies Omit<SubscriptionSpec, 'topic'>;

const closed = <P extends Type.TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

export const shop = defineCatalog({
  topics: [
    { name: 'orders', shards: 1, retentionHours: 24 },
    { name: 'payments', shards: 1, retentionHours: 24 },
    { name: 'rates', shards: 1, retentionHours: 24 },
  ],
  producers: [{ name: 'storefront' }, { name: 'fx' }],
  eventTypes: [
    {
      type: 'OrderPlaced',
      topic: 'orders',
      writer: 'storefront',
      keyField: 'orderId',
      versions: {
        1: closed({ orderId: Type.String(), amount: Type.Number() }),
        2: closed({ orderId: Type.String(), amountCents: Type.Integer(), currency: Type.String() }),
      },
    },
    {
      type: 'OrderAccepted',
      topic: 'orders',
      writer: 'orders',
      keyField: 'orderId',
      versions: {
        1: closed({ orderId: Type.String() }),
        2: closed({ orderId: Type.String(), acceptedBy: Type.String() }),
      },
    },
    {
      type: 'PaymentTaken',
      topic: 'payments',
      writer: 'billing',
      keyField: 'orderId',
      versions: { 1: closed({ orderId: Type.String(), chargeId: Type.String() }) },
    },
    {
      type: 'RateSet',
      topic: 'rates',
      writer: 'fx',
      keyField: 'pair',
      versions: { 1: closed({ pair: Type.String(), rate: Type.Number() }) },
    },
    {
      type: 'Untyped',
      topic: 'rates',
      writer: 'fx',
      keyField: 'pair',
      versions: { 1: { type: 'object', required: ['pair'], properties: { pair: { type: 'string' } } } },
    },
  ],
  services: [
    {
      name: 'orders',
      entry: 'test/fixtures/none.ts',
      subscriptions: [
        { topic: 'orders', ...settings },
        { topic: 'rates', ...settings, materialize: { table: 'rates' } },
      ],
      tables: [{ name: 'orders' }, { name: 'rates' }],
    },
    {
      name: 'billing',
      entry: 'test/fixtures/none.ts',
      subscriptions: [{ topic: 'orders', ...settings }],
      tables: [{ name: 'payments' }],
    },
  ],
});

/** Stream names of the shop's topics, as the CDK app would set them. */
export const shopEnv = {
  SPINE_STREAM_ORDERS: 'orders-stream',
  SPINE_STREAM_PAYMENTS: 'payments-stream',
  SPINE_STREAM_RATES: 'rates-stream',
};
