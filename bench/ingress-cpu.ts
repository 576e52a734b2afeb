/**
 * CPU cost of the ingress handler per validated ~1 KB event, with Kinesis and DynamoDB mocked
 * (aws-sdk-client-mock, so SDK serialization of the command input is not included; the mock's own
 * overhead is). Not a test: prints figures, gates nothing. Run: `npx tsx bench/ingress-cpu.ts [events]`.
 */
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { catalog } from '../catalog';
import { createDynamoIdempotencyStore, createIngress, loadIngressConfig } from '../shared/ingress';
import { createSchemaRegistry } from '../shared/schemas';
import { assumedRoleArn, httpEvent, lambdaContext } from '../test/fixtures/apigw';

const TOTAL = Number(process.argv[2] ?? 20_000);

const kinesis = new KinesisClient({ region: 'us-east-1' });
const dynamo = new DynamoDBClient({ region: 'us-east-1' });
let putCalls = 0;
let seq = 0;
mockClient(kinesis)
  .on(PutRecordsCommand)
  .callsFake((input: { Records?: unknown[] }) => {
    putCalls += 1;
    return {
      Records: (input.Records ?? []).map(() => ({
        ShardId: 'shardId-000000000000',
        SequenceNumber: String(++seq),
      })),
    };
  });
const dynamoMock = mockClient(dynamo);
dynamoMock.on(PutItemCommand).resolves({});
dynamoMock.on(UpdateItemCommand).resolves({});

const config = loadIngressConfig(catalog, {
  SPINE_STREAM_ORDERS: 'orders',
  SPINE_TABLE_IDEMPOTENCY: 'idem',
  SPINE_PRODUCER_PRINCIPALS: JSON.stringify({ storefront: 'storefront' }),
});
const ingress = createIngress({
  catalog,
  registry: createSchemaRegistry(catalog),
  config,
  kinesis,
  dynamo,
  store: createDynamoIdempotencyStore(dynamo, 'idem'),
  log: () => undefined,
});

const data = (i: number) => ({
  orderId: `order-${i}`,
  customerId: `customer-${i % 977}`,
  currency: 'EUR',
  items: Array.from({ length: 18 }, (_, n) => ({
    sku: `SKU-${String(n).padStart(6, '0')}`,
    quantity: 1 + n,
    unitPrice: 9.99,
  })),
});
const oneKb = Buffer.byteLength(JSON.stringify(data(1)));

const request = (headers: Record<string, string>, body: unknown) =>
  httpEvent({
    routeKey: 'POST /topics/{topic}/events',
    pathParameters: { topic: 'orders' },
    headers,
    body: JSON.stringify(body),
    userArn: assumedRoleArn('storefront'),
  });

const measure = async (name: string, requests: ReturnType<typeof request>[], events: number) => {
  putCalls = 0;
  const context = lambdaContext();
  for (const r of requests.slice(0, 5)) await ingress(r, context); // warm-up (JIT)
  putCalls = 0;
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (const r of requests) {
    const out = await ingress(r, context);
    if (out.statusCode !== 202) throw new Error(`${name}: ${out.statusCode} ${out.body}`);
  }
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - wall;
  const us = (used.user + used.system) / events;
  console.log(
    `${name.padEnd(44)} ${us.toFixed(1).padStart(7)} µs CPU/event  ${((events / ms) * 1000).toFixed(0).padStart(7)} events/s  ` +
      `${((putCalls / events) * 1000).toFixed(1)} PutRecords calls/1000 events`,
  );
};

console.log(`data ~${oneKb} bytes of JSON per event, ${TOTAL} events per scenario, Node ${process.version}`);
const plain = Array.from({ length: TOTAL }, (_, i) =>
  request({ 'content-type': 'application/json' }, { type: 'OrderRequested', data: data(i) }),
);
await measure('plain JSON, 1 event/request, no dedupe', plain, TOTAL);
const batches = Array.from({ length: TOTAL / 500 }, (_, b) =>
  request(
    { 'content-type': 'application/cloudevents-batch+json' },
    Array.from({ length: 500 }, (_, i) => ({
      specversion: '1.0',
      id: `evt-${b}-${i}`,
      source: '/bench',
      type: 'OrderRequested',
      data: data(b * 500 + i),
    })),
  ),
);
await measure('CE batch of 500, ids -> idempotency claims', batches, TOTAL);
const noIds = Array.from({ length: TOTAL / 500 }, (_, b) =>
  request(
    { 'content-type': 'application/cloudevents-batch+json' },
    Array.from({ length: 500 }, (_, i) => ({
      specversion: '1.0',
      source: '/bench',
      type: 'OrderRequested',
      data: data(b * 500 + i),
    })),
  ),
);
await measure('CE batch of 500, no ids (no dedupe)', noIds, TOTAL);
