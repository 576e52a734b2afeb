import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { catalog } from '../../catalog';
import {
  createDynamoIdempotencyStore,
  createIngress,
  type IngressDeps,
  loadIngressConfig,
} from '../../shared/ingress';
import { createSchemaRegistry } from '../../shared/schemas';

/** Ingress over the example catalog with mocked Kinesis/DynamoDB clients; PutRecords accepts everything. */
export const ingressWithMocks = (overrides: Partial<IngressDeps> = {}) => {
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
  const config = loadIngressConfig(catalog, {
    SPINE_STREAM_ORDERS: 'spine-orders',
    SPINE_TABLE_IDEMPOTENCY: 'spine-idempotency',
    SPINE_PRODUCER_PRINCIPALS: JSON.stringify({ 'storefront-role': 'storefront', 'orders-role': 'orders' }),
  });
  const logged: unknown[] = [];
  const ingress = createIngress({
    catalog,
    registry: createSchemaRegistry(catalog),
    config,
    kinesis,
    dynamo,
    store: createDynamoIdempotencyStore(dynamo, config.idempotencyTable),
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
