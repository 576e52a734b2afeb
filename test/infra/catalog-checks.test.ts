import { describe, expect, it } from 'vitest';
import { type Catalog, type CatalogSpec, isCatalogError } from '../../shared/catalog';
import { contrastSpec } from '../fixtures/infra/catalogs';
import { buildStack } from './synth';

/** A catalog that skipped `defineCatalog`: the stack must not trust the type alone. */
const forged = (spec: CatalogSpec): Catalog => ({ ...spec, __validated: true });

const problemsOf = (spec: CatalogSpec): string[] => {
  try {
    buildStack(forged(spec));
  } catch (error) {
    if (isCatalogError(error)) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
};

describe('SpineStack catalog checks', () => {
  it('accepts the contrasting catalog as is', () => {
    expect(problemsOf(contrastSpec)).toEqual([]);
  });

  it('fails with a CatalogError on a subscription to an unknown topic', () => {
    const spec: CatalogSpec = {
      ...contrastSpec,
      services: contrastSpec.services.map((s) =>
        s.name === 'billing'
          ? { ...s, subscriptions: s.subscriptions.map((sub) => ({ ...sub, topic: 'refunds' })) }
          : s,
      ),
    };
    expect(problemsOf(spec)).toContainEqual(
      expect.stringMatching(/^services\[billing\]\.subscriptions\[0\]\.topic: .*"refunds"/),
    );
  });

  it('fails with a CatalogError naming the service whose entry module does not exist', () => {
    const spec: CatalogSpec = {
      ...contrastSpec,
      services: contrastSpec.services.map((s) =>
        s.name === 'auditor' ? { ...s, entry: 'nowhere/auditor.ts' } : s,
      ),
    };
    expect(problemsOf(spec)).toEqual([
      expect.stringMatching(/^services\[auditor\]\.entry: .*nowhere\/auditor\.ts/),
    ]);
  });

  it('fails with a CatalogError when two names yield the same stack output name', () => {
    // `payments-2` and `payments2` are distinct topics, but both would be output `StreamPayments2`.
    const spec: CatalogSpec = {
      ...contrastSpec,
      topics: [
        ...contrastSpec.topics,
        ...['payments-2', 'payments2'].map((name) => ({ name, shards: 1, retentionHours: 24 })),
      ],
      eventTypes: [
        ...contrastSpec.eventTypes,
        ...['payments-2', 'payments2'].map((topic, i) => ({
          type: `Noted${i}`,
          topic,
          writer: 'checkout',
          keyField: 'id',
          versions: { 1: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
        })),
      ],
    };
    expect(problemsOf(spec)).toEqual([
      expect.stringMatching(/^topics\[payments2\]: .*"StreamPayments2".*topics\[payments-2\]/),
    ]);
  });
});
