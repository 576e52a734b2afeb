import { describe, expect, it } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import { schemaRegistryOf } from '../../shared/consumer/schema-registries';
import { testCatalog } from '../fixtures/catalog';

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
    const other = defineCatalog({
      topics: [{ name: 'pings', shards: 1, retentionHours: 24 }],
      producers: [{ name: 'pinger' }],
      eventTypes: [
        {
          type: 'Pinged',
          topic: 'pings',
          writer: 'pinger',
          keyField: 'id',
          versions: { 1: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
        },
      ],
      services: [],
    });

    // Act
    const registry = schemaRegistryOf(other);

    // Assess
    expect(registry).not.toBe(schemaRegistryOf(testCatalog));
    expect(registry.has('Pinged', 1)).toBe(true);
    expect(registry.has('Counted', 1)).toBe(false);
  });
});
