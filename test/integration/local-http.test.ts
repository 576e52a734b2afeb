import { request } from 'node:http';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalHttpEvent, silentLogger } from '../../local';
import { type IngressServer, startIngressServer } from '../../local/http/server';
import { IDLE_SOCKET_MS } from '../../local/net';
import { INGRESS_ROUTES } from '../../shared/ingress/routes';

const TOKEN = 'spine-dev-test-token';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Raw node:http so duplicate headers and odd content lengths go out exactly as written. */
const send = (
  port: number,
  method: string,
  path: string,
  headers: Record<string, string | string[]> = {},
  body?: Buffer | string,
): Promise<Raw> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });

describe('local HTTP ingress adapter', () => {
  const calls: { event: LocalHttpEvent; context: Context }[] = [];
  let result: (event: LocalHttpEvent) => unknown = () => ({ statusCode: 202 });
  let server: IngressServer;

  beforeAll(async () => {
    server = await startIngressServer({
      port: 0,
      routes: INGRESS_ROUTES,
      tokens: { storefront: TOKEN },
      log: silentLogger,
      handler: async (event, context) => {
        calls.push({ event, context });
        return result(event);
      },
    });
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    calls.length = 0;
    result = () => ({ statusCode: 202 });
  });

  it('keeps idle keep-alive sockets IDLE_SOCKET_MS, as its Keep-Alive header tells clients', async () => {
    const answer = await send(server.port, 'GET', '/health');

    expect(answer.headers['keep-alive']).toBe(`timeout=${IDLE_SOCKET_MS / 1000}`);
  });

  it('builds the payload format 2.0 event API Gateway sends, with the IAM authorizer identity', async () => {
    // Act
    const res = await send(
      server.port,
      'POST',
      '/topics/orders/events?b=2&a=1&a=3',
      {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        'X-Dup': ['one', 'two'],
        cookie: 'c1=v1; c2=v2',
        'user-agent': 'spine-test/1.0',
      },
      '{"hello":"world"}',
    );
    // Assess
    expect(res.status).toBe(202);
    const { event, context } = calls[0] ?? {};
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /topics/{topic}/events',
      rawPath: '/topics/orders/events',
      rawQueryString: 'b=2&a=1&a=3',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { a: '1,3', b: '2' },
      pathParameters: { topic: 'orders' },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'spinelocal',
        domainName: '127.0.0.1',
        http: {
          method: 'POST',
          path: '/topics/orders/events',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'spine-test/1.0',
        },
        routeKey: 'POST /topics/{topic}/events',
        stage: '$default',
        authorizer: {
          iam: {
            accountId: '000000000000',
            userArn: 'arn:aws:sts::000000000000:assumed-role/spine-producer-storefront/local',
            principalOrgId: null,
            cognitoIdentity: null,
          },
        },
      },
    });
    expect(event?.headers['x-dup']).toBe('one,two');
    expect(event?.headers['content-type']).toBe('application/json');
    expect(event?.headers.cookie).toBeUndefined();
    expect(event?.requestContext.requestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(event?.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs((event?.requestContext.timeEpoch ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(event?.requestContext.authorizer?.iam.accessKey).toMatch(/^ASIA[0-9A-F]{16}$/);
    expect(context?.functionName).toBe('spine-ingress');
    expect(context?.getRemainingTimeInMillis()).toBeGreaterThan(20_000);
  });

  it('answers 401 without calling the handler when the token is missing or unknown', async () => {
    // Act
    const missing = await send(server.port, 'GET', '/topics');
    const unknown = await send(server.port, 'GET', '/topics', { authorization: 'Bearer nope' });
    // Assess
    for (const res of [missing, unknown]) {
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body.toString())).toMatchObject({
        code: 'UNAUTHENTICATED',
        message: expect.any(String),
      });
    }
    expect(calls).toEqual([]);
  });

  it('answers 404 like API Gateway for an unknown path or method, and serves open routes without a token', async () => {
    // Act
    const unknownPath = await send(server.port, 'GET', '/nope');
    const wrongMethod = await send(server.port, 'DELETE', '/health');
    const health = await send(server.port, 'GET', '/health');
    // Assess
    expect([unknownPath.status, wrongMethod.status]).toEqual([404, 404]);
    expect(JSON.parse(unknownPath.body.toString())).toEqual({ message: 'Not Found' });
    expect(health.status).toBe(202);
    expect(calls.map((c) => c.event.routeKey)).toEqual(['GET /health']);
    expect(calls[0]?.event.requestContext.authorizer).toBeUndefined();
    expect(calls[0]?.event.body).toBeUndefined();
  });

  it('base64-encodes binary bodies and decodes base64 responses, cookies and headers', async () => {
    // Prepare
    const bytes = Buffer.from([0, 255, 1, 254]);
    result = () => ({
      statusCode: 201,
      headers: { 'X-Answer': 42 },
      cookies: ['a=1', 'b=2'],
      body: Buffer.from('binary!').toString('base64'),
      isBase64Encoded: true,
    });
    // Act
    const res = await send(
      server.port,
      'POST',
      '/topics/orders/events',
      { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
      bytes,
    );
    // Assess
    expect(calls[0]?.event.isBase64Encoded).toBe(true);
    expect(Buffer.from(calls[0]?.event.body ?? '', 'base64')).toEqual(bytes);
    expect(res.status).toBe(201);
    expect(res.headers['x-answer']).toBe('42');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.body.toString()).toBe('binary!');
  });

  it('maps a plain result to 200 JSON and a thrown error to a bare 500', async () => {
    // Prepare
    result = () => ({ topics: ['orders'] });
    // Act
    const plain = await send(server.port, 'GET', '/health');
    result = () => {
      throw new Error('secret detail');
    };
    const failed = await send(server.port, 'GET', '/health');
    // Assess
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('application/json');
    expect(JSON.parse(plain.body.toString())).toEqual({ topics: ['orders'] });
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body.toString())).toEqual({ message: 'Internal Server Error' });
  });

  it('rejects bodies over 10 MB with 413 before calling the handler', async () => {
    // Act
    const res = await send(
      server.port,
      'POST',
      '/topics/orders/events',
      { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
    );
    // Assess
    expect(res.status).toBe(413);
    expect(calls).toEqual([]);
  });
});
