import { defineCatalog } from '../shared/catalog';

/**
 * The example system's catalog. `catalog.ts` at the project root re-exports it; to start your own
 * backbone, delete `example/` and declare your topics, event types and services there.
 */
const defaultRetry = { maxAttempts: 4, bisectOnError: true } as const;

export const catalog = defineCatalog({
  topics: [
    {
      name: 'orders',
      shards: 'on-demand',
      retentionHours: 24,
      description: 'Facts about orders, keyed by orderId.',
    },
  ],
  producers: [{ name: 'storefront', description: 'The web shop: posts the first event of an order flow.' }],
  eventTypes: [
    {
      type: 'OrderRequested',
      topic: 'orders',
      writer: 'storefront',
      keyField: 'orderId',
      versions: {
        1: {
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
        },
      },
    },
  ],
  services: [
    {
      name: 'orders',
      entry: 'example/services/orders.ts',
      description: 'Owns the order lifecycle; keeps each order with its status history.',
      subscriptions: [
        {
          topic: 'orders',
          batchSize: 100,
          batchingWindowSeconds: 1,
          parallelizationFactor: 1,
          startingPosition: 'TRIM_HORIZON',
          retry: defaultRetry,
        },
      ],
      tables: [{ name: 'orders' }],
    },
  ],
});
