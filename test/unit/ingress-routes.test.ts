import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { catalog as rootCatalog } from '../../catalog';
import { streamEnvVar } from '../../shared/config';
import { principalName } from '../../shared/ingress';
import { assumedRoleArn, httpEvent, lambdaContext } from '../fixtures/apigw';
import { bodyOf, ingressWithMocks } from './ingress-support';

const get = (
  routeKey: string,
  pathParameters?: Record<string, string>,
  userArn: string | null = assumedRoleArn('storefront-role'),
) => httpEvent({ routeKey, ...(pathParameters ? { pathParameters } : {}), ...(userArn ? { userArn } : {}) });

describe('principalName', () => {
  it.each([
    ['arn:aws:sts::123456789012:assumed-role/storefront-role/session-1', 'storefront-role'],
    ['arn:aws:iam::123456789012:role/service/storefront-role', 'storefront-role'],
    ['arn:aws:iam::123456789012:user/alice', 'alice'],
    ['arn:aws:iam::123456789012:root', undefined],
    ['not-an-arn', undefined],
  ])('reads %s as %s', (arn, expected) => {
    expect(principalName(arn)).toBe(expected);
  });
});

describe('ingress registry API', () => {
  it('lists topics with their event types and versions', async () => {
    // Prepare
    const { ingress } = ingressWithMocks();
    // Act
    const result = await ingress(get('GET /topics'));
    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result).topics).toEqual([
      expect.objectContaining({
        name: 'orders',
        idempotencyWindowHours: 24,
        eventTypes: [
          {
            type: 'OrderRequested',
            writer: 'storefront',
            keyField: 'orderId',
            versions: [1],
            latestVersion: 1,
            compatibility: 'BACKWARD',
          },
        ],
      }),
    ]);
  });

  it('returns the JSON Schema of the latest and of a given version', async () => {
    // Prepare
    const { ingress } = ingressWithMocks();
    // Act
    const latest = await ingress(get('GET /schemas/{type}', { type: 'OrderRequested' }));
    const v1 = await ingress(get('GET /schemas/{type}/{version}', { type: 'OrderRequested', version: '1' }));
    // Assess
    expect(latest.headers?.['content-type']).toBe('application/schema+json');
    expect(bodyOf(latest)).toMatchObject({
      $id: 'urn:spine:schema:OrderRequested:1',
      required: ['orderId', 'customerId', 'items'],
    });
    expect(v1.body).toBe(latest.body);
  });

  it.each([
    ['an unknown type', 'GET /schemas/{type}', { type: 'Nope' }, 404],
    ['an unknown version', 'GET /schemas/{type}/{version}', { type: 'OrderRequested', version: '7' }, 404],
    ['a malformed version', 'GET /schemas/{type}/{version}', { type: 'OrderRequested', version: 'one' }, 400],
  ])('answers %s with %i', async (_name, routeKey, params, status) => {
    // Prepare
    const { ingress } = ingressWithMocks();
    // Act
    const result = await ingress(get(routeKey, params));
    // Assess
    expect(result.statusCode).toBe(status);
  });

  it('requires producer credentials on read routes', async () => {
    // Prepare
    const { ingress } = ingressWithMocks();
    // Act
    const result = await ingress(get('GET /topics', undefined, null));
    // Assess
    expect(result.statusCode).toBe(401);
  });
});

describe('ingress health', () => {
  it('is open and answers 200 when Kinesis and DynamoDB answer', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = ingressWithMocks();
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({});
    dynamoMock.on(DescribeTableCommand).resolves({});
    // Act
    const result = await ingress(get('GET /health', undefined, null));
    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ status: 'ok', kinesis: 'up', dynamodb: 'up' });
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)[0]?.args[0].input.StreamName).toBe(
      'spine-orders',
    );
  });

  it('answers 503 naming what is down', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = ingressWithMocks();
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({});
    dynamoMock.on(DescribeTableCommand).rejects(new Error('timeout'));
    // Act
    const result = await ingress(get('GET /health', undefined, null));
    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('5');
    expect(bodyOf(result)).toEqual({ status: 'degraded', kinesis: 'up', dynamodb: 'down' });
  });
});

describe('functions/ingress cold start', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('fails naming the missing variable', async () => {
    // Prepare
    vi.stubEnv('SPINE_STREAM_ORDERS', '');
    // Act
    const loading = import('../../functions/ingress');
    // Assess
    await expect(loading).rejects.toThrow(/SPINE_STREAM_ORDERS/);
  });

  it('serves a route once configured', async () => {
    // Prepare
    for (const topic of rootCatalog.topics) vi.stubEnv(streamEnvVar(topic.name), `spine-${topic.name}`);
    vi.stubEnv('SPINE_TABLE_IDEMPOTENCY', 'spine-idempotency');
    vi.stubEnv('SPINE_PRODUCER_PRINCIPALS', '{"storefront-role":"storefront"}');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const { handler } = await import('../../functions/ingress');
    // Act
    const result = await handler(get('GET /topics'), lambdaContext());
    // Assess
    expect(result.statusCode).toBe(200);
  });
});
