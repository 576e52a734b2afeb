import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { defineCatalog, type EventTypeSpec } from '../../shared/catalog';
import { streamEnvVar } from '../../shared/config';
import { decodeEnvelope } from '../../shared/envelope';
import { type IngressDeps, loadIngressConfig, wireIngress } from '../../shared/ingress';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { catalog, mockedClients, PUBLISH } from './ingress-support';

const ordered = catalog.eventTypes.find((e) => e.type === 'OrderRequested');
if (!ordered) throw new Error('the ingress test catalog lost OrderRequested');
const imported: EventTypeSpec = { ...ordered, type: 'OrderImported', writer: 'importer' };

/**
 * The ingress tests' catalog plus `importer`, declared `delivery: 'at-least-once'`, the single writer of
 * `OrderImported` (same schema as `OrderRequested`) on topic `orders`. `storefront` keeps the default.
 */
export const atLeastOnceCatalog = defineCatalog({
  topics: catalog.topics,
  producers: [...catalog.producers, { name: 'importer', delivery: 'at-least-once' }],
  eventTypes: [...catalog.eventTypes, imported],
  services: catalog.services,
});

const env = {
  ...Object.fromEntries(atLeastOnceCatalog.topics.map((t) => [streamEnvVar(t.name), `spine-${t.name}`])),
  SPINE_TABLE_IDEMPOTENCY: 'spine-idempotency',
  SPINE_PRODUCER_PRINCIPALS: JSON.stringify({ 'storefront-role': 'storefront', 'importer-role': 'importer' }),
};

/** The ingress over `atLeastOnceCatalog`, Kinesis and DynamoDB mocked; PutRecords accepts everything. */
export const atLeastOnceIngress = (overrides: Partial<IngressDeps> = {}) => {
  const { kinesis, dynamo, kinesisMock, dynamoMock } = mockedClients();
  const ingress = wireIngress({
    catalog: atLeastOnceCatalog,
    config: loadIngressConfig(atLeastOnceCatalog, env),
    kinesis,
    dynamo,
    writer: { sleep: async () => undefined },
    now: () => new Date('2024-05-01T12:00:00.000Z'),
    log: () => undefined,
    ...overrides,
  });
  return { ingress, kinesisMock, dynamoMock };
};

export const post = (role: 'importer' | 'storefront', contentType: string, body: unknown, key?: string) =>
  httpEvent({
    routeKey: PUBLISH,
    pathParameters: { topic: 'orders' },
    headers: { 'content-type': contentType, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
    userArn: assumedRoleArn(`${role}-role`),
  });

/** Every record the mocked Kinesis received, decoded, in call order. */
export const storedRecords = (kinesisMock: ReturnType<typeof atLeastOnceIngress>['kinesisMock']) =>
  kinesisMock.commandCalls(PutRecordsCommand).flatMap((call) =>
    (call.args[0].input.Records ?? []).map((r) => ({
      partitionKey: r.PartitionKey,
      envelope: decodeEnvelope(r.Data ?? new Uint8Array()),
    })),
  );
