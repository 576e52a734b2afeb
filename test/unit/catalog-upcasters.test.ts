import { describe, expect, it } from 'vitest';
import { type CatalogSpec, defineCatalog, isCatalogError, type Upcasters } from '../../shared/catalog';

const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
});
const step = (data: unknown) => data;

/** A catalog whose one event type has `versions` (1..n) and the upcasters given. */
const catalogWith = (versions: number, upcasters: Upcasters) => {
  const spec: CatalogSpec = {
    topics: [{ name: 'orders', shards: 1, retentionHours: 24 }],
    producers: [{ name: 'shop' }],
    eventTypes: [
      {
        type: 'OrderPlaced',
        topic: 'orders',
        writer: 'shop',
        keyField: 'orderId',
        versions: Object.fromEntries(
          Array.from({ length: versions }, (_, i) => [i + 1, object({ orderId: { type: 'string' } })]),
        ),
        upcasters,
      },
    ],
    services: [],
  };
  return () => defineCatalog(spec);
};

const messageOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return isCatalogError(error) ? error.message : `not a CatalogError: ${String(error)}`;
  }
  return 'no error';
};

describe('defineCatalog upcasters', () => {
  it('accepts one step per version below the latest', () => {
    // Act
    const catalog = catalogWith(3, { 1: step, 2: step })();
    // Assess
    expect(catalog.eventTypes[0]?.upcasters).toHaveProperty('2');
  });

  it('refuses a missing step, naming the type, the version without a step and why it needs one', () => {
    // Act
    const message = messageOf(catalogWith(3, { 2: step }));
    // Assess
    expect(message).toContain(
      'eventTypes[OrderPlaced].upcasters: no upcaster from v1; with upcasters, handlers receive only v3, so every older version needs one',
    );
  });

  it('refuses a step from the latest version or beyond, naming the step and the latest', () => {
    // Act
    const fromLatest = messageOf(catalogWith(2, { 1: step, 2: step }));
    const beyond = messageOf(catalogWith(2, { 1: step, 5: step }));
    // Assess
    expect(fromLatest).toContain(
      'eventTypes[OrderPlaced].upcasters[2]: converts from v2, which is not a version below the latest (v2)',
    );
    expect(beyond).toContain(
      'eventTypes[OrderPlaced].upcasters[5]: converts from v5, which is not a version below the latest (v2)',
    );
  });

  it('refuses an upcaster on a type with one version: there is nothing older to convert', () => {
    // Act
    const message = messageOf(catalogWith(1, { 1: step }));
    // Assess
    expect(message).toContain(
      'eventTypes[OrderPlaced].upcasters[1]: converts from v1, which is not a version below the latest (v1)',
    );
  });
});
