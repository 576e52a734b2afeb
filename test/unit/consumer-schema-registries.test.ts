import { describe, expect, it } from 'vitest';
import { schemaRegistryOf } from '../../shared/consumer/schema-registries';
import { testCatalog } from '../fixtures/catalog';
import { opsCatalog } from '../fixtures/ops/catalog';

describe('schemaRegistryOf', () => {
  it('builds one registry per catalog object and reuses it', () => {
    // Prepare
    const first = schemaRegistryOf(testCatalog);

    // Act
    const again = schemaRegistryOf(testCatalog);

    // Assess
    expect(again).toBe(first);
    expect(again.validate('Counted', 1, { counter: 'a', by: 1 })).toEqual({ ok: true });
  });

  it('keeps catalogs apart: another catalog gets its own registry with its own types', () => {
    // Prepare
    const counting = schemaRegistryOf(testCatalog);

    // Act
    const ops = schemaRegistryOf(opsCatalog);

    // Assess
    expect(ops).not.toBe(counting);
    expect(ops.has('Deposit', 1)).toBe(true);
    expect(ops.has('Counted', 1)).toBe(false);
    expect(counting.has('Deposit', 1)).toBe(false);
  });
});
