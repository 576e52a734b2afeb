import { defineCatalog, type JsonSchema } from '../../shared/catalog';

/**
 * The benchmark's own catalog, so figures do not move when the example system grows: topic `orders`
 * with one consuming service (`orders`, one state table), and topic `load` that nothing consumes, for
 * the ingress throughput run. The subscription uses Lambda's defaults for Kinesis mappings that the
 * catalog makes explicit: batch 100, batching window 0 s, parallelization 1.
 */
const orderSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['orderId', 'customerId', 'items'],
  properties: {
    orderId: { type: 'string', minLength: 1, maxLength: 64 },
    customerId: { type: 'string', minLength: 1, maxLength: 64 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'quantity', 'unitPrice'],
        properties: {
          sku: { type: 'string', minLength: 1, maxLength: 64 },
          quantity: { type: 'integer', minimum: 1, maximum: 1000 },
          unitPrice: { type: 'number', minimum: 0 },
        },
      },
    },
  },
};

export const BENCH_BATCH_SIZE = 100;
export const BENCH_BATCHING_WINDOW_SECONDS = 0;

/**
 * `consumerEntry` is the module local mode loads for the `orders` service (relative to the repo root);
 * `withConsumer: false` drops the service, so local mode runs no pollers (runs 1 and 2b: kinesis-mock
 * spends ~50 ms of CPU per call here, and idle polling of 4 shards would take most of it).
 */
export const benchCatalog = (consumerEntry = 'bench/local/consumer.ts', withConsumer = true) =>
  defineCatalog({
    topics: [
      { name: 'orders', shards: 'on-demand', retentionHours: 24 },
      { name: 'load', shards: 'on-demand', retentionHours: 24 },
    ],
    producers: [{ name: 'storefront' }],
    eventTypes: [
      {
        type: 'OrderRequested',
        topic: 'orders',
        writer: 'storefront',
        keyField: 'orderId',
        versions: { 1: orderSchema },
      },
      {
        type: 'LoadOrderRequested',
        topic: 'load',
        writer: 'storefront',
        keyField: 'orderId',
        versions: { 1: orderSchema },
      },
    ],
    services: withConsumer
      ? [
          {
            name: 'orders',
            entry: consumerEntry,
            subscriptions: [
              {
                topic: 'orders',
                batchSize: BENCH_BATCH_SIZE,
                batchingWindowSeconds: BENCH_BATCHING_WINDOW_SECONDS,
                parallelizationFactor: 1,
                startingPosition: 'TRIM_HORIZON',
                retry: { maxAttempts: 4, bisectOnError: true },
              },
            ],
            tables: [{ name: 'orders' }],
          },
        ]
      : [],
  });

export const catalog = benchCatalog();

/**
 * The bench catalog plus `bulk-storefront`, a producer declared `delivery: 'at-least-once'` that writes
 * `LoadOrderImported` (the same schema) on `load`: run 2a's arrays without ids. Kept apart from `catalog`
 * so the bundles other runs measure do not carry a validator more.
 */
export const bulkCatalog = defineCatalog({
  topics: catalog.topics,
  producers: [...catalog.producers, { name: 'bulk-storefront', delivery: 'at-least-once' }],
  eventTypes: [
    ...catalog.eventTypes,
    {
      type: 'LoadOrderImported',
      topic: 'load',
      writer: 'bulk-storefront',
      keyField: 'orderId',
      versions: { 1: orderSchema },
    },
  ],
  services: catalog.services,
});
