import * as Type from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { catalog } from '../../catalog';
import { defineCatalog } from '../../shared/catalog';
import { lookupChecks } from '../../shared/consumer';

const sub = {
  batchSize: 10,
  batchingWindowSeconds: 0,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  retry: { maxAttempts: 3, bisectOnError: false },
} as const;

/** A table subscription whose topic carries a type in two versions, and a tombstone. */
const twoVersions = defineCatalog({
  topics: [
    { name: 'prices', shards: 1, retentionHours: 24 },
    { name: 'recalls', shards: 1, retentionHours: 24 },
  ],
  producers: [{ name: 'feed' }],
  eventTypes: [
    {
      type: 'PriceSet',
      topic: 'prices',
      writer: 'feed',
      keyField: 'sku',
      versions: {
        1: Type.Object({ sku: Type.String(), cents: Type.Integer() }),
        2: Type.Object({ sku: Type.String(), amount: Type.Number(), currency: Type.String() }),
      },
    },
    {
      type: 'PriceDropped',
      topic: 'prices',
      writer: 'feed',
      keyField: 'sku',
      tombstone: true,
      versions: { 1: Type.Object({ sku: Type.String() }) },
    },
    {
      type: 'ProductRecalled',
      topic: 'recalls',
      writer: 'feed',
      keyField: 'sku',
      tombstone: true,
      versions: { 1: Type.Object({ sku: Type.String() }) },
    },
  ],
  services: [
    {
      name: 'shop',
      entry: 'shop.ts',
      subscriptions: [
        { topic: 'prices', ...sub, materialize: { table: 'prices' } },
        { topic: 'recalls', ...sub, materialize: { table: 'gone' } },
      ],
      tables: [{ name: 'prices' }, { name: 'gone' }],
    },
  ],
});

describe('lookupChecks', () => {
  it('accepts a looked-up value matching the materialized type, typed as its data', () => {
    // Prepare
    const users = lookupChecks(catalog, 'notifications').of('users');
    // Act
    const checked = users.check({ userId: 'u-1', name: 'Ada', email: 'ada@example.com' });
    // Assess
    expect(checked).toEqual({ ok: true, item: { userId: 'u-1', name: 'Ada', email: 'ada@example.com' } });
    if (checked.ok) expectTypeOf(checked.item.email).toEqualTypeOf<string>();
  });

  it('rejects a value matching no schema, pointing at the failing value with Ajv message', () => {
    // Prepare
    const rates = lookupChecks(catalog, 'payments').of('rates');
    // Act
    const checked = rates.check({ pair: 'USD-EUR', rate: -1 });
    // Assess
    expect(checked).toEqual({
      ok: false,
      errors: [{ path: '/rate', message: 'must be > 0', expected: 'exclusiveMinimum 0' }],
    });
  });

  it('accepts any version of a materialized type, never a tombstone, and names each version it failed', () => {
    // Prepare
    const prices = lookupChecks(twoVersions, 'shop').of('prices');
    // Act
    const v1 = prices.check({ sku: 'a', cents: 100 });
    const v2 = prices.check({ sku: 'a', amount: 1, currency: 'EUR' });
    const neither = prices.check({ sku: 'a' });
    // Assess
    expect(v1.ok).toBe(true);
    expect(v2.ok).toBe(true);
    expect(neither).toEqual({
      ok: false,
      errors: [
        {
          path: '/amount',
          message: "must have required property 'amount' (as PriceSet v2)",
          expected: 'present',
        },
        {
          path: '/cents',
          message: "must have required property 'cents' (as PriceSet v1)",
          expected: 'present',
        },
      ],
    });
  });

  it('fails every check of a table whose topic has tombstones only', () => {
    // Prepare
    const shop = lookupChecks(twoVersions, 'shop');
    // Act
    const checked = shop.of('gone').check({ sku: 'a' });
    // Assess
    expect(checked).toEqual({
      ok: false,
      errors: [
        {
          path: '',
          message: 'table gone is not a table subscription of service shop with event types to check',
        },
      ],
    });
  });
});
