import { describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import {
  type CatalogSpec,
  defineCatalog,
  isCatalogError,
  subscriptions,
  topicWriters,
} from '../../shared/catalog';

const base = (): CatalogSpec => ({
  topics: [{ name: 'orders', shards: 'on-demand', retentionHours: 24 }],
  producers: [{ name: 'shop' }],
  eventTypes: [
    {
      type: 'OrderPlaced',
      topic: 'orders',
      writer: 'shop',
      keyField: 'orderId',
      versions: { 1: { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } } },
    },
  ],
  services: [
    {
      name: 'billing',
      entry: 'billing.ts',
      subscriptions: [
        {
          topic: 'orders',
          batchSize: 100,
          batchingWindowSeconds: 1,
          parallelizationFactor: 1,
          startingPosition: 'TRIM_HORIZON',
          retry: { maxAttempts: 3, bisectOnError: true },
        },
      ],
      tables: [{ name: 'invoices' }],
    },
  ],
});

const problemsOf = (spec: CatalogSpec): string[] => {
  try {
    defineCatalog(spec);
  } catch (error) {
    if (isCatalogError(error)) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
};

describe('defineCatalog', () => {
  it('accepts the example catalog and derives writers and subscriptions', () => {
    expect(topicWriters(catalog, 'orders')).toContain('storefront');
    expect(subscriptions(catalog).length).toBeGreaterThan(0);
  });

  it('accepts a consistent catalog', () => {
    expect(problemsOf(base())).toEqual([]);
  });

  it('names a subscription to a topic that does not exist', () => {
    const spec = base();
    const service = spec.services[0];
    const sub = service?.subscriptions[0];
    if (!service || !sub) throw new Error('fixture');
    const bad = { ...spec, services: [{ ...service, subscriptions: [{ ...sub, topic: 'ordres' }] }] };

    expect(problemsOf(bad)).toEqual([
      'services[billing].subscriptions[0].topic: consumes topic "ordres", which does not exist; known topics: orders',
    ]);
  });

  it('names an event type on an unknown topic and an unknown writer', () => {
    const spec = base();
    const type = spec.eventTypes[0];
    if (!type) throw new Error('fixture');
    const bad = {
      ...spec,
      eventTypes: [type, { ...type, type: 'OrderLost', topic: 'nowhere', writer: 'ghost' }],
    };

    const problems = problemsOf(bad);

    expect(problems).toContain('eventTypes[OrderLost].topic: unknown topic "nowhere"; known topics: orders');
    expect(problems.some((p) => p.startsWith('eventTypes[OrderLost].writer: unknown writer "ghost"'))).toBe(
      true,
    );
  });

  it('names duplicate topics, types and writer names', () => {
    const spec = base();
    const bad = {
      ...spec,
      topics: [...spec.topics, ...spec.topics],
      producers: [...spec.producers, { name: 'billing' }],
    };

    const problems = problemsOf(bad);

    expect(problems).toContain('topics[orders]: duplicate topic name "orders"');
    expect(problems.some((p) => p.includes('duplicate name "billing"'))).toBe(true);
  });

  it.each([
    ['batchSize', 10001, 'Too big'],
    ['batchSize', 0, 'Too small'],
    ['parallelizationFactor', 11, 'Too big'],
    ['batchingWindowSeconds', 301, 'Too big'],
  ])('rejects %s = %s outside what Lambda allows', (field, value, fragment) => {
    const spec = base();
    const service = spec.services[0];
    const sub = service?.subscriptions[0];
    if (!service || !sub) throw new Error('fixture');
    const bad = { ...spec, services: [{ ...service, subscriptions: [{ ...sub, [field]: value }] }] };

    const problems = problemsOf(bad);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(`^services\\[billing\\]\\.subscriptions\\[0\\]\\.${field}: ${fragment}`),
    );
  });

  describe('give-ups after retention', () => {
    const withRetry = (retry: object, retentionHours = 24): CatalogSpec => {
      const spec = base();
      const service = spec.services[0];
      const sub = service?.subscriptions[0];
      if (!service || !sub) throw new Error('fixture');
      return {
        ...spec,
        topics: [{ name: 'orders', shards: 'on-demand', retentionHours }],
        services: [{ ...service, subscriptions: [{ ...sub, retry: { ...sub.retry, ...retry } }] }],
      };
    };

    it('refuses attempts that park a crashing event only after the topic may drop it, naming the most it takes', () => {
      const problems = problemsOf(withRetry({ maxAttempts: 10_001 }));

      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        /^services\[billing\]\.subscriptions\[0\]\.retry\.maxAttempts: 10001 attempts/,
      );
      expect(problems[0]).toContain('use at most 2220 attempts');
    });

    it('accepts the most attempts a topic takes (its message names that number), more with a longer retention, never more for a record age', () => {
      expect(problemsOf(withRetry({ maxAttempts: 2_220 }))).toEqual([]);
      expect(problemsOf(withRetry({ maxAttempts: 2_221 }))).toHaveLength(1);
      expect(problemsOf(withRetry({ maxAttempts: 2_313 }, 25))).toEqual([]);
      expect(problemsOf(withRetry({ maxAttempts: 2_314 }, 25))[0]).toContain('use at most 2313 attempts');
      // A record age does not park an event that crashes every run (it is run until its deaths do).
      expect(problemsOf(withRetry({ maxAttempts: 10_001, maxRecordAgeSeconds: 72_000 }))).toHaveLength(1);
      expect(problemsOf(withRetry({ maxAttempts: 10_001 }, 168))).toEqual([]);
    });

    it('refuses a record age past 90% of the retention', () => {
      expect(problemsOf(withRetry({ maxAttempts: 3, maxRecordAgeSeconds: 77_760 }))).toEqual([]);
      const problems = problemsOf(withRetry({ maxAttempts: 3, maxRecordAgeSeconds: 77_761 }));

      expect(problems).toEqual([
        expect.stringMatching(
          /^services\[billing\]\.subscriptions\[0\]\.retry\.maxRecordAgeSeconds: 77761 s is past 90% of topic/,
        ),
      ]);
    });
  });

  it('requires the key field to be a required property of every schema version', () => {
    const spec = base();
    const type = spec.eventTypes[0];
    if (!type) throw new Error('fixture');
    const bad = { ...spec, eventTypes: [{ ...type, keyField: 'customerId' }] };

    expect(problemsOf(bad)).toEqual([
      'eventTypes[OrderPlaced].versions[1]: schema must declare the key field "customerId" as a required property',
    ]);
  });

  it('rejects retention outside 24 .. 8760 hours', () => {
    const spec = base();
    const bad = { ...spec, topics: [{ name: 'orders', shards: 'on-demand' as const, retentionHours: 12 }] };

    expect(problemsOf(bad)[0]).toMatch(/^topics\[orders\]\.retentionHours: Too small/);
  });
});
