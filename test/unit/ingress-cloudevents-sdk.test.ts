import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CloudEvent, HTTP, type Message } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../shared/envelope';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { bodyOf, ingressWithMocks, order, PUBLISH } from './ingress-support';

const asRequest = (headers: Record<string, unknown>, body: unknown) =>
  httpEvent({
    routeKey: PUBLISH,
    pathParameters: { topic: 'orders' },
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
    body: typeof body === 'string' ? body : JSON.stringify(body),
    userArn: assumedRoleArn('storefront-role'),
  });

const fromMessage = (message: Message) => asRequest(message.headers, message.body);

const ordered = (orderId: string) =>
  new CloudEvent({
    type: 'OrderRequested',
    source: 'https://shop.example/checkout',
    datacontenttype: 'application/json',
    data: order(orderId),
    correlationid: `corr-${orderId}`,
  });

const stored = (mock: ReturnType<typeof ingressWithMocks>['kinesisMock']) =>
  mock
    .commandCalls(PutRecordsCommand)
    .flatMap((c) => (c.args[0].input.Records ?? []).map((r) => decodeEnvelope(r.Data ?? new Uint8Array())));

describe('ingress with the official cloudevents SDK as the client', () => {
  it('accepts binary mode (ce-* headers, data in the body)', async () => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    const event = ordered('o-bin');
    // Act
    const result = await ingress(fromMessage(HTTP.binary(event)));
    // Assess
    expect(result.statusCode).toBe(202);
    expect(stored(kinesisMock)).toEqual([
      expect.objectContaining({
        id: event.id,
        source: event.source,
        time: event.time,
        correlationid: 'corr-o-bin',
        partitionkey: 'o-bin',
        data: order('o-bin'),
      }),
    ]);
  });

  it('accepts structured mode', async () => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    const event = ordered('o-str');
    // Act
    const result = await ingress(fromMessage(HTTP.structured(event)));
    // Assess
    expect(result.statusCode).toBe(202);
    expect(stored(kinesisMock)[0]).toMatchObject({ id: event.id, partitionkey: 'o-str', dataversion: 1 });
  });

  it('accepts batch mode (the SDK has no batch emitter; its events serialize themselves)', async () => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    const events = ['o-a', 'o-b', 'o-c'].map(ordered);
    // Act
    const result = await ingress(asRequest({ 'content-type': 'application/cloudevents-batch+json' }, events));
    // Assess
    expect(result.statusCode).toBe(202);
    const results = bodyOf(result).results as { id: string }[];
    expect(results.map((r) => r.id)).toEqual(events.map((e) => e.id));
    expect(stored(kinesisMock).map((e) => e.partitionkey)).toEqual(['o-a', 'o-b', 'o-c']);
  });

  it.each([
    ['structured', HTTP.structured, { extinteger: 42, extboolean: true }],
    ['binary', HTTP.binary, { extinteger: '42', extboolean: 'true' }],
  ] as const)('keeps subject and every extension of a %s SDK event', async (_mode, emit, typed) => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    const event = new CloudEvent({
      type: 'OrderRequested',
      source: 'https://shop.example/checkout',
      subject: 'orders/o-ext',
      data: order('o-ext'),
      extinteger: 42,
      extboolean: true,
      exturi: 'https://example.com/x',
      exttimestamp: '2024-05-01T12:00:00Z',
      extbinary: 'AQIDBA==',
    });
    // Act
    const result = await ingress(fromMessage(emit(event)));
    // Assess
    expect(result.statusCode).toBe(202);
    const [envelope] = stored(kinesisMock);
    expect(envelope?.subject).toBe('orders/o-ext');
    expect(envelope?.extensions).toEqual({
      ...typed,
      exturi: 'https://example.com/x',
      exttimestamp: '2024-05-01T12:00:00Z',
      extbinary: 'AQIDBA==',
    });
  });

  it('rejects a binary event that fails its schema with a pointer into data', async () => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    const event = new CloudEvent({
      type: 'OrderRequested',
      source: '/shop',
      datacontenttype: 'application/json',
      data: { ...order(), currency: 'euro' },
    });
    // Act
    const result = await ingress(fromMessage(HTTP.binary(event)));
    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).errors).toEqual([
      {
        index: 0,
        path: '/data/currency',
        message: 'must match pattern "^[A-Z]{3}$"',
        expected: 'a string matching ^[A-Z]{3}$',
      },
    ]);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });
});
