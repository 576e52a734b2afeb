import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import { createSchemaRegistry } from '../../shared/schemas';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { bodyOf, catalog, ingressWithMocks, order, PUBLISH } from './ingress-support';

const blobCatalog = defineCatalog({
  topics: [{ name: 'orders', shards: 1, retentionHours: 24 }],
  producers: [{ name: 'storefront' }],
  eventTypes: [
    {
      type: 'Blob',
      topic: 'orders',
      writer: 'storefront',
      keyField: 'id',
      versions: {
        1: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string' }, blob: { type: 'string' } },
        },
      },
    },
    {
      type: 'Audited',
      topic: 'orders',
      writer: 'orders',
      keyField: 'id',
      versions: { 1: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
    },
  ],
  services: [{ name: 'orders', entry: 'x.ts', subscriptions: [], tables: [] }],
});

const JSON_CT = { 'content-type': 'application/json' };
const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };

const post = (
  headers: Record<string, string>,
  body: unknown,
  opts: { userArn?: string | undefined; topic?: string } = {},
) =>
  httpEvent({
    routeKey: PUBLISH,
    pathParameters: { topic: opts.topic ?? 'orders' },
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...('userArn' in opts
      ? opts.userArn
        ? { userArn: opts.userArn }
        : {}
      : { userArn: assumedRoleArn('storefront-role') }),
  });

const ce = (orderId: string, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: `evt-${orderId}`,
  source: '/shop',
  type: 'OrderRequested',
  data: order(orderId),
  ...extra,
});

describe('ingress errors', () => {
  it.each([
    ['malformed JSON', post(JSON_CT, '{"type":'), 400, 'MALFORMED_REQUEST'],
    ['a body that is not an object', post(JSON_CT, '[1]'), 400, 'MALFORMED_REQUEST'],
    [
      'no credentials',
      post(JSON_CT, { type: 'OrderRequested', data: order() }, { userArn: undefined }),
      401,
      'UNAUTHENTICATED',
    ],
    ['an unmapped principal', post(JSON_CT, {}, { userArn: assumedRoleArn('stranger') }), 403, 'FORBIDDEN'],
    [
      'a producer that writes nothing on the topic',
      post(JSON_CT, {}, { userArn: assumedRoleArn('orders-role') }),
      403,
      'FORBIDDEN',
    ],
    ['an unknown topic', post(JSON_CT, {}, { topic: 'nope' }), 404, 'UNKNOWN_TOPIC'],
    [
      'an unsupported content type',
      post({ 'content-type': 'text/plain' }, 'hello'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'binary mode with non-JSON data',
      post({ 'content-type': 'application/xml', 'ce-specversion': '1.0' }, '<a/>'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a batch of 501 events',
      post(
        BATCH,
        Array.from({ length: 501 }, (_, i) => ce(`o-${i}`)),
      ),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['a batch that is not an array', post(BATCH, { events: [] }), 400, 'MALFORMED_REQUEST'],
    // The shape is checked before duplicate members: these were INVALID_EVENTS for an event at index 0.
    [
      'a batch that is an object with a member named twice inside',
      post(BATCH, '{"x":{"a":1,"a":2}}'),
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'a structured event that is an array with a member named twice',
      post(STRUCTURED, '[{"a":1,"a":2}]'),
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'an empty Idempotency-Key on a batch',
      post({ ...BATCH, 'idempotency-key': '' }, [ce('a'), ce('b')]),
      400,
      'MALFORMED_REQUEST',
    ],
  ])('answers %s with %i %s and writes nothing', async (_name, request, status, code) => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    // Act
    const result = await ingress(request);
    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf(result).code).toBe(code);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('lists every invalid event of a batch with index, path and expectation (all or nothing)', async () => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    const batch = [
      ce('ok'),
      ce('no-source', { source: undefined }),
      ce('v9', { dataversion: 9 }),
      ce('bad-time', { time: 'yesterday' }),
      { ...ce('unknown'), type: 'Nope' },
      ce('spec', { specversion: '0.3' }),
    ];
    // Act
    const result = await ingress(post(BATCH, batch));
    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 'INVALID_EVENTS',
      message: 'The request has invalid events; nothing was written.',
      errors: [
        { index: 1, path: '/source', message: 'source is required', expected: 'a URI-reference' },
        {
          index: 2,
          path: '/dataversion',
          message: 'unknown version 9 of OrderRequested',
          expected: 'a version up to 1',
        },
        {
          index: 3,
          path: '/time',
          message: 'time must be an RFC 3339 timestamp',
          expected: 'RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z',
        },
        {
          index: 4,
          path: '/type',
          message: 'Nope is not an event type of topic orders',
          expected: 'one of OrderRequested',
        },
        { index: 5, path: '/specversion', message: 'specversion must be "1.0"', expected: '"1.0"' },
      ],
    });
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('refuses one Idempotency-Key for several events on a topic that remembers keys longer than it keeps events', async () => {
    // Prepare: a window of 48 h on a topic of 24 h: the log alone could not answer a late retry.
    const { __validated: _, ...spec } = catalog;
    const longWindow = defineCatalog({
      ...spec,
      topics: catalog.topics.map((t) => ({ ...t, idempotencyWindowHours: 48 })),
    });
    const { ingress, kinesisMock } = ingressWithMocks({
      catalog: longWindow,
      registry: createSchemaRegistry(longWindow),
    });
    // Act
    const batch = await ingress(post({ ...BATCH, 'idempotency-key': 'k' }, [ce('a'), ce('b')]));
    const single = await ingress(post({ ...BATCH, 'idempotency-key': 'k1' }, [ce('c')]));
    // Assess
    expect(batch.statusCode).toBe(400);
    expect(bodyOf(batch)).toMatchObject({ code: 'MALFORMED_REQUEST' });
    expect(String(bodyOf(batch).message)).toContain('idempotencyWindowHours to at most its retentionHours');
    expect(single.statusCode).toBe(202);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(1);
  });

  it('answers 413 naming an event over the 1 MiB record limit', async () => {
    // Prepare: the example schema bounds its events far below 1 MiB, so use a catalog with a free-form field.
    const { ingress, kinesisMock } = ingressWithMocks({
      catalog: blobCatalog,
      registry: createSchemaRegistry(blobCatalog),
    });
    const blob = (size: number) => ({
      ...ce('big'),
      type: 'Blob',
      data: { id: 'b-1', blob: 'x'.repeat(size) },
    });
    // Act
    const result = await ingress(post(BATCH, [blob(10), blob(1024 * 1024)]));
    // Assess
    expect(result.statusCode).toBe(413);
    const errors = bodyOf(result).errors as { index: number; expected: string }[];
    expect(errors).toMatchObject([{ index: 1, path: '', expected: 'at most 1048528 bytes' }]);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('answers 403 when the producer does not own an event type it sends', async () => {
    // Prepare: the topic has a type of storefront and one of the orders service.
    const { ingress } = ingressWithMocks({
      catalog: blobCatalog,
      registry: createSchemaRegistry(blobCatalog),
    });
    const foreign = { ...ce('x'), type: 'Audited', data: { id: 'a-1' } };
    // Act
    const result = await ingress(post(STRUCTURED, foreign));
    // Assess
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).errors).toEqual([
      {
        index: 0,
        path: '/type',
        message: 'producer storefront does not own Audited',
        expected: 'a type written by storefront',
      },
    ]);
  });

  it('answers 409 naming the key when a known key comes with another payload', async () => {
    // Prepare
    const { ingress, dynamoMock, kinesisMock } = ingressWithMocks();
    dynamoMock.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'exists',
        $metadata: {},
        Item: { pk: { S: 'x' }, state: { S: 'done' }, payloadHash: { S: 'other' } },
      }),
    );
    // Act
    const result = await ingress(post(STRUCTURED, ce('o-1')));
    // Assess
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
      message: 'Idempotency key (source "/shop", id "evt-o-1") was already used with a different payload.',
    });
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('answers a key still in flight with a retryable 409 and releases the claims it took', async () => {
    // Prepare: the first key is claimed, the second is held by another request.
    const { ingress, dynamoMock, kinesisMock } = ingressWithMocks();
    dynamoMock.on(PutItemCommand).callsFake((input: { Item?: Record<string, { S?: string }> }) => {
      if (input.Item?.idempotencyKey?.S?.includes('evt-b'))
        throw new ConditionalCheckFailedException({
          message: 'exists',
          $metadata: {},
          Item: { ...input.Item, state: { S: 'pending' }, token: { S: 'another-request' } } as never,
        });
      return {};
    });
    // Act
    const result = await ingress(post(BATCH, [ce('a'), ce('b')]));
    // Assess
    expect(result.statusCode).toBe(409);
    expect(result.headers?.['retry-after']).toBe('1');
    expect(bodyOf(result).code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(dynamoMock.commandCalls(DeleteItemCommand)).toHaveLength(1);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('answers 409 for one key used twice with different payloads in one batch', async () => {
    // Prepare
    const { ingress } = ingressWithMocks();
    // Act
    const result = await ingress(post(BATCH, [ce('a'), { ...ce('a'), data: order('other') }]));
    // Assess
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result).errors).toMatchObject([{ index: 1 }]);
  });

  it('answers 429 with Retry-After and the written events when Kinesis throttles some records to the end', async () => {
    // Prepare: the record of order o-b is always throttled.
    const { ingress, kinesisMock, dynamoMock } = ingressWithMocks();
    kinesisMock.on(PutRecordsCommand).callsFake((input: { Records?: { PartitionKey?: string }[] }) => ({
      Records: (input.Records ?? []).map((r, i) =>
        r.PartitionKey === 'o-b'
          ? {
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: 'Rate exceeded for shard X in stream spine-orders',
            }
          : { ShardId: 'shardId-000000000000', SequenceNumber: `s${i}` },
      ),
    }));
    // Act
    const result = await ingress(post(BATCH, [ce('o-a'), ce('o-b')]));
    // Assess
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['retry-after']).toBe('1');
    const body = bodyOf(result);
    expect(body.errors).toEqual([{ index: 1, path: '', message: 'throttled by the log' }]);
    expect(body.results).toEqual([
      { index: 0, id: 'evt-o-a', shardId: 'shardId-000000000000', sequenceNumber: 's0', duplicate: false },
    ]);
    expect(result.body).not.toContain('spine-orders');
    // The failed event's claim is released so the whole request can be retried at once.
    expect(dynamoMock.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.Key)).toHaveLength(1);
  });

  it('answers 503 without internals when Kinesis is unreachable', async () => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    kinesisMock
      .on(PutRecordsCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443 spine-orders'), { name: 'Error' }));
    // Act
    const result = await ingress(post(JSON_CT, { type: 'OrderRequested', data: order() }));
    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('2');
    expect(result.body).not.toMatch(/ECONNREFUSED|spine-orders|10\.0\.0\.1/);
  });

  it('answers an unexpected failure with a bare 500', async () => {
    // Prepare
    const registry = createSchemaRegistry(catalog);
    const { ingress, logged } = ingressWithMocks({
      registry: {
        ...registry,
        validate: () => {
          throw new Error('secret table arn:aws:dynamodb:x');
        },
      },
    });
    // Act
    const result = await ingress(post(JSON_CT, { type: 'OrderRequested', data: order() }));
    // Assess
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({
      code: 'INTERNAL',
      message: 'The ingress failed unexpectedly; retry later.',
    });
    expect(logged).toHaveLength(1);
  });
});
