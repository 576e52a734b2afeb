import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import { streamEnvVar } from '../../shared/config';
import {
  createDynamoIdempotencyStore,
  createIngress,
  type IngressHandler,
  loadIngressConfig,
} from '../../shared/ingress';
import { createSchemaRegistry } from '../../shared/schemas';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { type Emulators, startEmulators } from './helpers/emulators';
import { readLog } from './helpers/log-copies';

const STREAM = 'alo-bulk';
// Never created: a claim or any other idempotency write would fail against DynamoDB Local.
const ABSENT_TABLE = 'alo-no-idempotency-table';

const order = { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } };
const catalog = defineCatalog({
  topics: [{ name: 'bulk', shards: 2, retentionHours: 24 }],
  producers: [{ name: 'importer', delivery: 'at-least-once' }, { name: 'storefront' }],
  eventTypes: [
    { type: 'OrderImported', topic: 'bulk', writer: 'importer', keyField: 'orderId', versions: { 1: order } },
    { type: 'OrderTyped', topic: 'bulk', writer: 'storefront', keyField: 'orderId', versions: { 1: order } },
  ],
  services: [],
});

interface Stored {
  readonly id: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

const readAll = (client: KinesisClient) => readLog(client, STREAM);

const post = (role: string, type: string, count: number, from = 0) =>
  httpEvent({
    routeKey: 'POST /topics/{topic}/events',
    pathParameters: { topic: 'bulk' },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      Array.from({ length: count }, (_, i) => ({
        type,
        data: { orderId: `o-${from + i}`, note: 'x'.repeat(900) },
      })),
    ),
    userArn: assumedRoleArn(role),
  });

const resultsOf = (answer: { body?: string | undefined }): Stored[] => {
  const parsed: unknown = JSON.parse(answer.body ?? '{}');
  const results = parsed && typeof parsed === 'object' && 'results' in parsed ? parsed.results : undefined;
  if (!Array.isArray(results)) throw new Error(`no results in ${answer.body}`);
  return results.map((r: Stored) => ({ id: r.id, shardId: r.shardId, sequenceNumber: r.sequenceNumber }));
};

describe('ingress, at-least-once producer, on kinesis-mock', () => {
  let env: Emulators;
  let ingress: IngressHandler;

  beforeAll(async () => {
    env = await startEmulators();
    await env.createStream(STREAM);
    const config = loadIngressConfig(catalog, {
      [streamEnvVar('bulk')]: STREAM,
      SPINE_TABLE_IDEMPOTENCY: ABSENT_TABLE,
      SPINE_PRODUCER_PRINCIPALS: JSON.stringify({
        'importer-role': 'importer',
        'storefront-role': 'storefront',
      }),
    });
    ingress = createIngress({
      catalog,
      registry: createSchemaRegistry(catalog),
      config,
      kinesis: env.kinesis,
      dynamo: env.dynamo,
      store: createDynamoIdempotencyStore(env.dynamo, config.idempotencyTable),
    });
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('writes an array of 300 ~1 KB events without ids in one PutRecords, answering where each landed', async () => {
    // Prepare
    const send = vi.spyOn(env.kinesis, 'send');
    // Act
    const answer = await ingress(post('importer-role', 'OrderImported', 300));
    // Assess: every answered position holds the answered id, and no DynamoDB table was needed.
    const puts = send.mock.calls.filter(([command]) => command instanceof PutRecordsCommand);
    send.mockRestore();
    expect(answer.statusCode).toBe(202);
    expect(puts).toHaveLength(1);
    const results = resultsOf(answer);
    expect(results).toHaveLength(300);
    expect(new Set(results.map((r) => r.id)).size).toBe(300);
    const stored = await readAll(env.kinesis);
    const key = (r: Stored) => `${r.shardId}/${r.sequenceNumber}/${r.id}`;
    expect(new Set(stored.map(key))).toEqual(new Set(results.map(key)));
  }, 60_000);

  it('stores a retried request a second time, under new ids', async () => {
    // Prepare
    const before = (await readAll(env.kinesis)).length;
    const request = post('importer-role', 'OrderImported', 20, 1_000);
    // Act
    const first = await ingress(request);
    const retry = await ingress(request);
    // Assess
    expect([first.statusCode, retry.statusCode]).toEqual([202, 202]);
    const stored = await readAll(env.kinesis);
    expect(stored).toHaveLength(before + 40);
    const ids = new Set([...resultsOf(first), ...resultsOf(retry)].map((r) => r.id));
    expect(ids.size).toBe(40);
  }, 60_000);

  it('refuses an array from a producer without the opt-in and writes nothing', async () => {
    // Prepare
    const before = (await readAll(env.kinesis)).length;
    // Act
    const answer = await ingress(post('storefront-role', 'OrderTyped', 3));
    // Assess
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain("delivery: 'at-least-once'");
    expect(await readAll(env.kinesis)).toHaveLength(before);
  }, 60_000);
});
