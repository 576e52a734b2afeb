import { describe, expect, it } from 'vitest';
import { type CatalogSpec, defineCatalog } from '../../shared/catalog';
import { isEvolutionError, missingUpcasters, type Upcasters, upcast } from '../../shared/evolution';
import { createSchemaRegistry } from '../../shared/schemas';

/** OrderRequested: v1 amount in cents; v2 adds currency; v3 renames amountCents to amount (a decimal). */
const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});
const spec: CatalogSpec = {
  topics: [{ name: 'orders', shards: 1, retentionHours: 24 }],
  producers: [{ name: 'shop' }],
  eventTypes: [
    {
      type: 'OrderRequested',
      topic: 'orders',
      writer: 'shop',
      keyField: 'orderId',
      versions: {
        1: object({ orderId: { type: 'string' }, amountCents: { type: 'integer' } }),
        2: object({
          orderId: { type: 'string' },
          amountCents: { type: 'integer' },
          currency: { type: 'string' },
        }),
        3: object({ orderId: { type: 'string' }, amount: { type: 'number' }, currency: { type: 'string' } }),
      },
    },
  ],
  services: [],
};
const registry = createSchemaRegistry(defineCatalog(spec));
const validate = (version: number, data: unknown) => {
  const result = registry.validate('OrderRequested', version, data);
  return result.ok ? undefined : result.errors.map((e) => `${e.path} ${e.message}`).join('; ');
};

const record = (data: unknown): Record<string, unknown> =>
  typeof data === 'object' && data !== null ? { ...data } : {};
const upcasters: Upcasters = {
  1: (data) => ({ ...record(data), currency: 'EUR' }),
  2: (data) => {
    const { amountCents, ...rest } = record(data);
    return { ...rest, amount: Number(amountCents) / 100 };
  },
};

describe('upcast', () => {
  it('given a v1 event and upcasters 1→2→3, when a latest-only consumer reads it, then it gets v3 data', () => {
    // Prepare
    const v1 = { orderId: 'o-1', amountCents: 1250 };
    // Act
    const result = upcast('OrderRequested', upcasters, 1, 3, v1, validate);
    // Assess
    expect(result).toEqual({
      version: 3,
      data: { orderId: 'o-1', amount: 12.5, currency: 'EUR' },
      steps: [1, 2],
    });
    expect(v1).toEqual({ orderId: 'o-1', amountCents: 1250 });
  });

  it('given an event already at the latest version, when upcast, then it is returned unchanged', () => {
    // Prepare
    const v3 = { orderId: 'o-1', amount: 3, currency: 'USD' };
    // Act
    const result = upcast('OrderRequested', upcasters, 3, 3, v3, validate);
    // Assess
    expect(result).toEqual({ version: 3, data: v3, steps: [] });
  });

  it('given a v2 event, when upcast, then only the 2→3 step runs', () => {
    // Act
    const result = upcast('OrderRequested', upcasters, 2, 3, {
      orderId: 'o-2',
      amountCents: 5,
      currency: 'GBP',
    });
    // Assess
    expect(result).toEqual({
      version: 3,
      data: { orderId: 'o-2', amount: 0.05, currency: 'GBP' },
      steps: [2],
    });
  });

  it('given a missing step, when upcast, then it fails naming the version without an upcaster', () => {
    // Prepare
    const partial: Upcasters = { 2: upcasters[2] ?? ((d) => d) };
    // Act
    const attempt = () => upcast('OrderRequested', partial, 1, 3, { orderId: 'o-1', amountCents: 1 });
    // Assess
    expect(attempt).toThrow('OrderRequested has no upcaster from v1; declare one per step to reach v3');
    expect(missingUpcasters(partial, 1, 3)).toEqual([1]);
  });

  it('given an upcaster whose output the next schema rejects, when upcast with validation, then it fails at that step', () => {
    // Prepare
    const wrong: Upcasters = { ...upcasters, 1: (data) => ({ ...record(data), currency: 42 }) };
    // Act
    let error: unknown;
    try {
      upcast('OrderRequested', wrong, 1, 3, { orderId: 'o-1', amountCents: 1 }, validate);
    } catch (e) {
      error = e;
    }
    // Assess
    expect(isEvolutionError(error) && error.code).toBe('UPCAST_FAILED');
    expect(String(error)).toContain(
      'OrderRequested upcaster v1 → v2 produced data v2 rejects: /currency must be string',
    );
  });

  it('given an upcaster that throws, when upcast, then the error names the step and keeps the cause', () => {
    // Prepare
    const cause = new Error('boom');
    const throwing: Upcasters = {
      1: () => {
        throw cause;
      },
    };
    // Act
    let error: unknown;
    try {
      upcast('OrderRequested', throwing, 1, 2, {});
    } catch (e) {
      error = e;
    }
    // Assess
    expect(isEvolutionError(error) && error.code).toBe('UPCAST_FAILED');
    expect(error instanceof Error && error.cause).toBe(cause);
  });

  it('given data newer than the wanted version, when upcast, then it refuses to downcast', () => {
    // Act
    const attempt = () => upcast('OrderRequested', upcasters, 3, 2, {});
    // Assess
    expect(attempt).toThrow('events are never downcast');
  });
});
