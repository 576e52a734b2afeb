/**
 * Requests whose idempotency payload hashes are pinned in `ingress-payload-hash.test.ts`. The hashes
 * are stored in claim items, so a change in how they are computed would make every retry across a
 * deploy a 409 conflict; the cases cover what the canonical JSON must get right (nested key order,
 * arrays, non-ASCII keys and strings, numbers, extensions, optional attributes absent or present).
 */
const BATCH = 'application/cloudevents-batch+json';
const STRUCTURED = 'application/cloudevents+json';

const order = {
  orderId: 'o-1',
  customerId: 'c-1',
  currency: 'EUR',
  items: [
    { sku: 'A-1', quantity: 2, unitPrice: 9.99 },
    { sku: 'B-2', quantity: 1, unitPrice: 0 },
  ],
};

export interface HashCase {
  readonly name: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export const HASH_CASES: readonly HashCase[] = [
  {
    name: 'structured, minimal',
    headers: { 'content-type': STRUCTURED },
    body: JSON.stringify({
      specversion: '1.0',
      id: 'e-1',
      source: 'storefront',
      type: 'OrderRequested',
      data: order,
    }),
  },
  {
    name: 'structured, every optional attribute and extensions',
    headers: { 'content-type': STRUCTURED },
    body: JSON.stringify({
      specversion: '1.0',
      id: 'e-2',
      source: 'storefront',
      type: 'OrderRequested',
      time: '2026-11-27T10:00:00.000Z',
      subject: 'orders/o-2',
      datacontenttype: 'application/vnd.shop+json',
      correlationid: 'corr-1',
      causationid: 'cause-1',
      zeta: 'last',
      alpha: 7,
      mid: true,
      data: { ...order, orderId: 'o-2' },
    }),
  },
  {
    name: 'batch of two, keys in another order, non-ASCII text, numbers',
    headers: { 'content-type': BATCH },
    body: JSON.stringify([
      {
        type: 'OrderRequested',
        source: 'storefront',
        id: 'e-3',
        specversion: '1.0',
        data: {
          items: [{ unitPrice: 1e-7, quantity: 1000, sku: 'Ünïcødé-✓' }],
          customerId: 'kunde-ß',
          orderId: 'o-3',
        },
      },
      {
        specversion: '1.0',
        id: 'e-4',
        source: 'storefront',
        type: 'OrderRequested',
        data: {
          orderId: 'o-4',
          customerId: '\u0000\u001f"\\',
          items: [{ sku: 'x', quantity: 3, unitPrice: 123456789.5 }],
        },
      },
    ]),
  },
  {
    name: 'plain JSON with an Idempotency-Key',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
    body: JSON.stringify({ type: 'OrderRequested', key: 'o-5', data: { ...order, orderId: 'o-5' } }),
  },
];
