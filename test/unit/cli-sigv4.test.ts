import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signedPublisher } from '../../cli/sigv4';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * AWS Signature Version 4 computed by hand from the request as sent (the documented algorithm, no
 * SDK code): the canonical request over the headers the request says it signed, the string to sign,
 * the derived key. Returns the expected `Signature=` value.
 */
const expectedSignature = (
  request: { method: string; url: URL; headers: Record<string, string>; body: string },
  secret: string,
  scope: { date: string; region: string; service: string },
): string => {
  const auth = request.headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1] ?? '';
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${(request.headers[name] ?? '').trim()}\n`)
    .join('');
  const canonical = [
    request.method,
    request.url.pathname,
    '',
    canonicalHeaders,
    signedHeaders,
    sha256(request.body),
  ].join('\n');
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    request.headers['x-amz-date'],
    credentialScope,
    sha256(canonical),
  ].join('\n');
  const dateKey = hmac(`AWS4${secret}`, scope.date);
  const signingKey = hmac(hmac(hmac(dateKey, scope.region), scope.service), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('signedPublisher', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: 'session-token-of-the-producer-role',
  };
  const capture = (status: number, answer: string) => {
    const sent: { method: string; url: URL; headers: Record<string, string>; body: string }[] = [];
    vi.stubGlobal(
      'fetch',
      async (url: URL, init: { method: string; headers: Record<string, string>; body: string }) => {
        sent.push({ method: init.method, url: new URL(url), headers: init.headers, body: init.body });
        return new Response(answer, { status });
      },
    );
    return sent;
  };

  it('signs a POST to the topic route for execute-api in the given region at the given time', async () => {
    // Prepare
    const sent = capture(202, '{"results":[{"id":"e-1"}]}');
    const publisher = signedPublisher(
      'https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/',
      'eu-central-1',
      async () => credentials,
      () => new Date('2026-11-22T14:15:39.760Z'),
    );
    // Act
    const answer = await publisher.publish('order-lines', {
      type: 'OrderRequested',
      data: { orderId: 'o-1' },
    });
    // Assess
    expect(answer).toEqual({ status: 202, body: { results: [{ id: 'e-1' }] } });
    const [request] = sent;
    if (!request) throw new Error('nothing sent');
    expect(request.method).toBe('POST');
    expect(request.url.href).toBe(
      'https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/topics/order-lines/events',
    );
    expect(request.headers['x-amz-date']).toBe('20261122T141539Z');
    expect(request.headers['x-amz-security-token']).toBe(credentials.sessionToken);
    const auth = request.headers.authorization ?? '';
    expect(auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261122\/eu-central-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [];
    expect(signedHeaders).toEqual(
      expect.arrayContaining(['host', 'content-type', 'x-amz-date', 'x-amz-security-token']),
    );
    expect(auth.split('Signature=')[1]).toBe(
      expectedSignature(request, credentials.secretAccessKey, {
        date: '20261122',
        region: 'eu-central-1',
        service: 'execute-api',
      }),
    );
  });

  it('keeps a stage path of the ingress URL and answers what the ingress answered', async () => {
    // Prepare
    const sent = capture(403, 'Forbidden');
    const publisher = signedPublisher(
      'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod',
      'us-east-1',
      async () => credentials,
      () => new Date('2026-01-02T03:04:05Z'),
    );
    // Act
    const answer = await publisher.publish('orders', { type: 'OrderRequested', data: {} });
    // Assess
    expect(answer).toEqual({ status: 403, body: 'Forbidden' });
    const [request] = sent;
    if (!request) throw new Error('nothing sent');
    expect(request.url.pathname).toBe('/prod/topics/orders/events');
    expect(request.headers['x-amz-date']).toBe('20260102T030405Z');
    expect(request.headers.authorization?.split('Signature=')[1]).toBe(
      expectedSignature(request, credentials.secretAccessKey, {
        date: '20260102',
        region: 'us-east-1',
        service: 'execute-api',
      }),
    );
  });
});
