import { describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import { type CatalogSpec, defineCatalog, isCatalogError } from '../../shared/catalog';
import {
  checkLock,
  isEvolutionError,
  lockCatalog,
  parseLock,
  renderLock,
  schemaHash,
} from '../../shared/evolution';

const spec = (compatibility: string): CatalogSpec =>
  JSON.parse(
    JSON.stringify({
      topics: [{ name: 't', shards: 1, retentionHours: 24 }],
      producers: [{ name: 'p' }],
      eventTypes: [
        {
          type: 'E',
          topic: 't',
          writer: 'p',
          keyField: 'k',
          compatibility,
          versions: { 1: { type: 'object', required: ['k'], properties: { k: { type: 'string' } } } },
        },
      ],
      services: [],
    }),
  );

describe('schemaHash', () => {
  it('ignores key order and whitespace but not values', () => {
    // Act + Assess
    expect(schemaHash({ type: 'string', minLength: 1 })).toBe(schemaHash({ minLength: 1, type: 'string' }));
    expect(schemaHash({ type: 'string', minLength: 1 })).not.toBe(
      schemaHash({ type: 'string', minLength: 2 }),
    );
  });
});

describe('lockCatalog and parseLock', () => {
  it('round-trip the example catalog, which then checks clean against its own lock', () => {
    // Act
    const text = renderLock(lockCatalog(catalog));
    const lock = parseLock(text);
    // Assess
    expect(renderLock(lock)).toBe(text);
    expect(checkLock(catalog, lock)).toEqual([]);
  });

  it('reject a malformed lock with LOCK_INVALID naming where', () => {
    // Prepare
    const bad = JSON.stringify({
      lockVersion: 1,
      eventTypes: { E: { compatibility: 'SIDEWAYS', versions: {} } },
    });
    // Act
    let error: unknown;
    try {
      parseLock(bad);
    } catch (e) {
      error = e;
    }
    // Assess
    expect(isEvolutionError(error) && error.code).toBe('LOCK_INVALID');
    expect(String(error)).toContain('eventTypes.E.compatibility');
  });
});

describe('defineCatalog compatibility field', () => {
  it('accepts the seven modes and rejects anything else', () => {
    // Act
    const accepted = defineCatalog(spec('FULL_TRANSITIVE'));
    let error: unknown;
    try {
      defineCatalog(spec('SIDEWAYS'));
    } catch (e) {
      error = e;
    }
    // Assess
    expect(accepted.eventTypes[0]?.compatibility).toBe('FULL_TRANSITIVE');
    expect(isCatalogError(error) && error.problems.map((p) => p.path)).toEqual([
      'eventTypes[E].compatibility',
    ]);
  });
});
