import { CloudEvent, HTTP, type Message } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import {
  type IngressBackbone,
  jsonBody,
  startIngressBackbone,
  withoutConsumers,
} from './helpers/ingress-backbone';

const order = (orderId: string) => ({
  orderId,
  customerId: 'c-sdk',
  currency: 'EUR',
  items: [{ sku: 'tea', quantity: 2, unitPrice: 3.5 }],
});

const ordered = (orderId: string) =>
  new CloudEvent({
    type: 'OrderRequested',
    source: 'https://shop.example/checkout',
    datacontenttype: 'application/json',
    data: order(orderId),
    correlationid: `corr-${orderId}`,
  });

/** The SDK builds headers and body; fetch sends them with the producer's dev token. */
const send = (spine: IngressBackbone, message: Message) =>
  spine.post(
    'orders',
    String(message.body),
    Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, String(value)])),
  );

describe('ingress over HTTP with the official cloudevents SDK (v10) as the client', () => {
  let spine: IngressBackbone;
  beforeAll(async () => {
    spine = await startIngressBackbone(withoutConsumers(catalog));
  });
  afterAll(async () => {
    await spine?.stop();
  });

  it('accepts binary mode and stores the event with its id, source, time and extensions', async () => {
    // Prepare
    const event = ordered('sdk-bin');
    // Act
    const response = await send(spine, HTTP.binary(event));
    // Assess
    expect(response.status).toBe(202);
    expect(await jsonBody(response)).toMatchObject({ results: [{ id: event.id, duplicate: false }] });
    const stored = (await spine.readStream('orders')).filter((e) => e.id === event.id);
    expect(stored).toEqual([
      expect.objectContaining({
        source: event.source,
        time: event.time,
        correlationid: 'corr-sdk-bin',
        partitionkey: 'sdk-bin',
        data: order('sdk-bin'),
      }),
    ]);
  });

  it('accepts structured mode', async () => {
    // Prepare
    const event = ordered('sdk-str');
    // Act
    const response = await send(spine, HTTP.structured(event));
    // Assess
    expect(response.status).toBe(202);
    const stored = (await spine.readStream('orders')).filter((e) => e.id === event.id);
    expect(stored).toEqual([
      expect.objectContaining({ partitionkey: 'sdk-str', correlationid: 'corr-sdk-str' }),
    ]);
  });

  it('accepts batch mode (the SDK has no batch emitter; its events serialize themselves)', async () => {
    // Prepare
    const events = ['sdk-a', 'sdk-b', 'sdk-c'].map(ordered);
    // Act
    const response = await spine.post('orders', JSON.stringify(events), {
      'content-type': 'application/cloudevents-batch+json',
    });
    // Assess
    expect(response.status).toBe(202);
    const results = (await jsonBody(response)).results as { id: string; sequenceNumber: string }[];
    expect(results.map((r) => r.id)).toEqual(events.map((e) => e.id));
    const log = await spine.readStream('orders');
    for (const r of results) expect(log.find((e) => e.id === r.id)?.sequenceNumber).toBe(r.sequenceNumber);
  });

  it('refuses an SDK event that fails its schema, with a pointer into data', async () => {
    // Prepare
    const event = new CloudEvent({
      type: 'OrderRequested',
      source: '/shop',
      datacontenttype: 'application/json',
      data: { ...order('sdk-bad'), currency: 'euro' },
    });
    // Act
    const response = await send(spine, HTTP.binary(event));
    // Assess
    expect(response.status).toBe(400);
    expect(await jsonBody(response)).toMatchObject({
      code: 'INVALID_EVENTS',
      errors: [{ index: 0, path: '/data/currency', expected: expect.stringContaining('[A-Z]{3}') }],
    });
    expect((await spine.readStream('orders')).filter((e) => e.id === event.id)).toEqual([]);
  });
});
