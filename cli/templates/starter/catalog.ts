import { defineCatalog, type SubscriptionSpec } from 'spine';
import * as Type from 'typebox';

/** How a subscription's event source mapping reads: small batches handed over at once, 5 tries. */
const settings = {
  batchSize: 100,
  batchingWindowSeconds: 0,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  retry: { maxAttempts: 5, bisectOnError: true },
} as const satisfies Omit<SubscriptionSpec, 'topic'>;

/**
 * This backbone: topics (Kinesis streams), producers (who may publish through the HTTP ingress), event
 * types with their schemas, and services with their subscriptions and tables. The CDK app, local mode
 * and the types of your handlers all come from here.
 */
export const catalog = defineCatalog({
  topics: [{ name: 'greetings', shards: 1, retentionHours: 24, description: 'Greetings, keyed by name.' }],
  producers: [{ name: 'web', description: 'Posts greetings through the HTTP ingress.' }],
  eventTypes: [
    {
      type: 'Greeted',
      topic: 'greetings',
      writer: 'web',
      keyField: 'name',
      versions: {
        1: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 64 }), message: Type.String({ maxLength: 280 }) },
          { additionalProperties: false },
        ),
      },
    },
  ],
  services: [
    {
      name: 'greeter',
      entry: 'functions/greeter.ts',
      description: 'Counts the greetings each name received and keeps the last message.',
      queries: {
        entry: 'functions/greeter-queries.ts',
        routes: [{ method: 'GET', path: '/greetings/{name}' }],
      },
      subscriptions: [{ topic: 'greetings', ...settings }],
      tables: [{ name: 'counts' }],
    },
  ],
});
