import * as Type from 'typebox';
import { defineCatalog } from '../../shared/catalog';
import { closed, materialize, service, subscribe } from './catalog-kit';

/** A small catalog for the typed service definition: two versions that differ, a table subscription. */
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
    service(
      'orders',
      [subscribe('orders'), materialize('rates', 'rates')],
      [{ name: 'orders' }, { name: 'rates' }],
    ),
    service('billing', [subscribe('orders')], [{ name: 'payments' }]),
  ],
});

/** Stream names of the shop's topics, as the CDK app would set them. */
export const shopEnv = {
  SPINE_STREAM_ORDERS: 'orders-stream',
  SPINE_STREAM_PAYMENTS: 'payments-stream',
  SPINE_STREAM_RATES: 'rates-stream',
};
