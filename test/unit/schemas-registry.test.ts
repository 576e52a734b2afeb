import { describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import { type CatalogSpec, defineCatalog, serviceEventTypes } from '../../shared/catalog';
import {
  createSchemaRegistry,
  isItemSchemaCompileError,
  isSchemaCompileError,
  schemasHash,
} from '../../shared/schemas';

const order = { orderId: 'o-1', customerId: 'c-1', items: [{ sku: 'A', quantity: 1, unitPrice: 2 }] };

const catalogWith = (schema: Record<string, unknown>) => {
  const spec: CatalogSpec = {
    topics: [{ name: 't', shards: 1, retentionHours: 24 }],
    producers: [{ name: 'p' }],
    eventTypes: [{ type: 'E', topic: 't', writer: 'p', keyField: 'k', versions: { 1: schema } }],
    services: [],
  };
  return defineCatalog(spec);
};

/** One event type on one topic, and service `s` with table `items` holding `item`. */
const catalogWithItem = (item: Record<string, unknown>) =>
  defineCatalog({
    topics: [{ name: 't', shards: 1, retentionHours: 24 }],
    producers: [{ name: 'p' }],
    eventTypes: [
      {
        type: 'E',
        topic: 't',
        writer: 'p',
        keyField: 'k',
        versions: { 1: { type: 'object', required: ['k'], properties: { k: { type: 'string' } } } },
      },
    ],
    services: [{ name: 's', entry: 's.ts', subscriptions: [], tables: [{ name: 'items', item }] }],
  });

describe('createSchemaRegistry', () => {
  const registry = createSchemaRegistry(catalog);

  it('accepts data that matches the schema', () => {
    // Act
    const result = registry.validate('OrderRequested', 1, order);
    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('points at the failing value with a JSON pointer and says what was expected', () => {
    // Prepare
    const bad = { ...order, items: [{ sku: 'A', quantity: 0, unitPrice: 2 }] };
    // Act
    const result = registry.validate('OrderRequested', 1, bad);
    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { path: '/items/0/quantity', message: 'must be >= 1', expected: 'minimum 1' },
    ]);
  });

  it('points a missing required property at the property itself', () => {
    // Act
    const result = registry.validate('OrderRequested', 1, { orderId: 'o', items: order.items });
    // Assess
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: '/customerId', message: "must have required property 'customerId'", expected: 'present' },
      ],
    });
  });

  it('names an unexpected property', () => {
    // Act
    const result = registry.validate('OrderRequested', 1, { ...order, extra: true });
    // Assess
    expect(result.ok === false && result.errors[0]?.path).toBe('/extra');
  });

  it('reports a type mismatch at the root as an empty pointer', () => {
    // Act
    const result = registry.validate('OrderRequested', 1, 'not an object');
    // Assess
    expect(result).toEqual({
      ok: false,
      errors: [{ path: '', message: 'must be object', expected: 'object' }],
    });
  });

  it('fails an unknown type or version instead of throwing', () => {
    // Act
    const unknownType = registry.validate('Nope', 1, {});
    const unknownVersion = registry.validate('OrderRequested', 9, order);
    // Assess
    expect(unknownType.ok).toBe(false);
    expect(unknownVersion.ok === false && unknownVersion.errors[0]?.message).toBe(
      'unknown event type OrderRequested version 9',
    );
  });

  it('answers has, latestVersion and schema from the catalog', () => {
    // Prepare
    const spec = catalog.eventTypes.find((e) => e.type === 'OrderRequested');
    const versions = Object.keys(spec?.versions ?? {}).map(Number);
    const latest = Math.max(...versions);
    // Assess
    for (const v of versions) expect(registry.has('OrderRequested', v)).toBe(true);
    expect(registry.has('OrderRequested', latest + 1)).toBe(false);
    expect(registry.latestVersion('OrderRequested')).toBe(latest);
    expect(registry.latestVersion('Nope')).toBeUndefined();
    expect(registry.schema('OrderRequested', 1)).toBe(spec?.versions[1]);
  });

  it('checks formats (ajv-formats is loaded)', () => {
    // Prepare
    const reg = createSchemaRegistry(
      catalogWith({ type: 'object', required: ['k'], properties: { k: { type: 'string', format: 'uuid' } } }),
    );
    // Act
    const result = reg.validate('E', 1, { k: 'not-a-uuid' });
    // Assess
    expect(result).toEqual({
      ok: false,
      errors: [{ path: '/k', message: 'must match format "uuid"', expected: 'format uuid' }],
    });
  });

  it('fails at creation on a schema strict mode rejects, naming type and version', () => {
    // Prepare
    const typo = catalogWith({
      type: 'object',
      required: ['k'],
      properties: { k: { type: 'string', minLenght: 1 } },
    });
    // Act
    let caught: unknown;
    try {
      createSchemaRegistry(typo);
    } catch (error) {
      caught = error;
    }
    // Assess
    expect(isSchemaCompileError(caught)).toBe(true);
    expect(String((caught as Error).message)).toMatch(/"E" version 1.*minLenght/);
  });

  it('validates only the types in scope, and says so for another type of the catalog', () => {
    // Prepare
    const scoped = createSchemaRegistry(catalog, { types: serviceEventTypes(catalog, 'notifications') });
    // Act
    const inScope = scoped.validate('UserSignedUp', 1, { userId: 'u-1' });
    const outside = scoped.validate('OrderRequested', 1, order);
    // Assess
    expect(serviceEventTypes(catalog, 'notifications')).toEqual([
      'OrderDelivered',
      'OrderShipped',
      'UserDeleted',
      'UserSignedUp',
    ]);
    expect(inScope.ok).toBe(false);
    expect(scoped.has('OrderRequested', 1)).toBe(true);
    expect(outside).toEqual({
      ok: false,
      errors: [
        {
          path: '',
          message:
            'event type OrderRequested is not validated by this function: it neither consumes nor writes it',
          expected: 'a type this function consumes or writes',
        },
      ],
    });
  });

  it('fails at creation on an item schema strict mode rejects, naming service and table', () => {
    // Prepare
    const catalog = catalogWithItem({ type: 'object', properties: { n: { type: 'nmuber' } } });
    // Act
    let caught: unknown;
    try {
      createSchemaRegistry(catalog, { service: 's' });
    } catch (error) {
      caught = error;
    }
    // Assess
    expect(isItemSchemaCompileError(caught)).toBe(true);
    expect(String((caught as Error).message)).toMatch(
      /table "items" of service "s" does not compile.*properties\/n\/type/,
    );
  });
});

describe('schemasHash', () => {
  it('covers state item schemas: an edited one changes it, reordered keys do not', () => {
    // Prepare
    const item = { type: 'object', required: ['n'], properties: { n: { type: 'number' } } };
    const reordered = { properties: { n: { type: 'number' } }, required: ['n'], type: 'object' };
    const edited = { type: 'object', required: ['n'], properties: { n: { type: 'string' } } };
    // Act
    const [a, b, c] = [item, reordered, edited].map((schema) => schemasHash(catalogWithItem(schema)));
    // Assess
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(schemasHash(catalog)).not.toBe(schemasHash({ ...catalog, services: [] }));
  });
});
