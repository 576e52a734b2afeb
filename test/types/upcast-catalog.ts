import * as Type from 'typebox';
import { defineCatalog } from '../../shared/catalog';
import { defineUpcasters } from '../../shared/evolution';
import { closed, service, subscribe } from './catalog-kit';

/**
 * A catalog whose `OrderPlaced` has three versions chained by upcasters (v1 amount in euros → v2 cents
 * and currency → v3 a `total` object), beside `Note`, two versions without upcasters. The `ledger`
 * service consumes both and writes `OrderBooked`.
 */
export const orderPlaced = {
  1: closed({ orderId: Type.String(), amount: Type.Number() }),
  2: closed({ orderId: Type.String(), amountCents: Type.Integer(), currency: Type.String() }),
  3: closed({
    orderId: Type.String(),
    total: closed({ cents: Type.Integer(), currency: Type.String({ minLength: 3, maxLength: 3 }) }),
  }),
} as const;

export const orderPlacedUpcasters = defineUpcasters(orderPlaced, {
  1: ({ orderId, amount }) => ({ orderId, amountCents: Math.round(amount * 100), currency: 'EUR' }),
  2: ({ orderId, amountCents, currency }) => ({ orderId, total: { cents: amountCents, currency } }),
});

export const ledger = defineCatalog({
  topics: [{ name: 'orders', shards: 1, retentionHours: 24 }],
  producers: [{ name: 'storefront' }],
  eventTypes: [
    {
      type: 'OrderPlaced',
      topic: 'orders',
      writer: 'storefront',
      keyField: 'orderId',
      versions: orderPlaced,
      upcasters: orderPlacedUpcasters,
    },
    {
      type: 'Note',
      topic: 'orders',
      writer: 'storefront',
      keyField: 'orderId',
      versions: {
        1: closed({ orderId: Type.String() }),
        2: closed({ orderId: Type.String(), text: Type.String() }),
      },
    },
    {
      type: 'OrderBooked',
      topic: 'orders',
      writer: 'ledger',
      keyField: 'orderId',
      versions: { 1: closed({ orderId: Type.String(), cents: Type.Integer(), currency: Type.String() }) },
    },
  ],
  services: [service('ledger', [subscribe('orders')], [{ name: 'books' }])],
});

/** Stream names of the catalog's topics, as the CDK app would set them. */
export const ledgerEnv = { SPINE_STREAM_ORDERS: 'orders-stream' };
