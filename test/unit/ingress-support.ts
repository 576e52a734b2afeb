import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { defineCatalog } from '../../shared/catalog';
import { streamEnvVar } from '../../shared/config';
import { type IngressDeps, type IngressError, isIngressError, wireIngress } from '../../shared/ingress';

const defaultRetry = { maxAttempts: 4, bisectOnError: true } as const;

/**
 * The ingress unit tests' own catalog: the walking skeleton's example (one `orders` topic, `OrderRequested`
 * v1 written by `storefront`, an `orders` service that writes nothing there), frozen so that the example
 * system can grow without rewriting these tests.
 */
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

/** Mocked Kinesis and DynamoDB clients for an ingress under test; PutRecords accepts everything. */
export const mockedClients = () => {
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const dynamo = new DynamoDBClient({ region: 'us-east-1' });
  const kinesisMock = mockClient(kinesis);
  const dynamoMock = mockClient(dynamo);
  let sequence = 0;
  kinesisMock.on(PutRecordsCommand).callsFake((input: { Records?: unknown[] }) => ({
    FailedRecordCount: 0,
    Records: (input.Records ?? []).map(() => ({
      ShardId: 'shardId-000000000000',
      SequenceNumber: String(++sequence),
    })),
  }));
  return { kinesis, dynamo, kinesisMock, dynamoMock };
};

/** Ingress over the unit-test catalog with mocked Kinesis/DynamoDB clients; PutRecords accepts everything. */
export const ingressWithMocks = (overrides: Partial<IngressDeps> = {}) => {
  const { kinesis, dynamo, kinesisMock, dynamoMock } = mockedClients();
  const logged: unknown[] = [];
  const ingress = wireIngress({
    catalog,
    env: {
      ...Object.fromEntries(catalog.topics.map((t) => [streamEnvVar(t.name), `spine-${t.name}`])),
      SPINE_TABLE_IDEMPOTENCY: 'spine-idempotency',
      SPINE_PRODUCER_PRINCIPALS: JSON.stringify({ 'storefront-role': 'storefront', 'orders-role': 'orders' }),
    },
    kinesis,
    dynamo,
    writer: { sleep: async () => undefined },
    now: () => new Date('2024-05-01T12:00:00.000Z'),
    log: (_message, error) => logged.push(error),
    ...overrides,
  });
  return { ingress, kinesisMock, dynamoMock, logged };
};

export const order = (orderId = 'o-1') => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 9.5 }],
});

export const bodyOf = (result: APIGatewayProxyStructuredResultV2): Record<string, unknown> => {
  const parsed: unknown = JSON.parse(result.body ?? 'null');
  if (!parsed || typeof parsed !== 'object') throw new Error(`body is not a JSON object: ${result.body}`);
  return parsed as Record<string, unknown>;
};

export const PUBLISH = 'POST /topics/{topic}/events';

/** The `IngressError` a call rejects with; throws when it resolves or rejects with anything else. */
export const refusal = async (promise: Promise<unknown>): Promise<IngressError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isIngressError(error)) throw new Error(`expected an IngressError, got ${String(error)}`);
  return error;
};
