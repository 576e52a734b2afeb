import { describe, expect, it } from 'vitest';
import { parseRequest, prepareEvents } from '../../shared/ingress';
import { createSchemaRegistry } from '../../shared/schemas';
import { httpEvent } from '../fixtures/apigw';
import { catalog } from './ingress-support';

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id,
  source: 'storefront',
  type: 'OrderRequested',
  ...extra,
  data: { orderId: `o-${id}`, customerId: 'c-1', items: [{ sku: 's', quantity: 1, unitPrice: 2 }] },
});

describe('prepareEvents receipt time', () => {
  it('gives the events of one request sent without time one receipt time, read once', () => {
    // Prepare: a clock that moves on every read.
    let reads = 0;
    const now = () => {
      reads += 1;
      return new Date(Date.UTC(2026, 10, 28, 0, 0, 0, reads));
    };
    const body = JSON.stringify([event('a'), event('b', { time: '2026-01-01T00:00:00Z' }), event('c')]);

    // Act
    const prepared = prepareEvents(
      parseRequest(
        httpEvent({
          routeKey: 'POST /topics/{topic}/events',
          pathParameters: { topic: 'orders' },
          headers: { 'content-type': 'application/cloudevents-batch+json' },
          body,
        }),
      ),
      { catalog, registry: createSchemaRegistry(catalog), topic: 'orders', producer: 'storefront', now },
    );

    // Assess: the sent time is kept; the others share the first read.
    expect(prepared.map((e) => e.envelope.time)).toEqual([
      '2026-11-28T00:00:00.001Z',
      '2026-01-01T00:00:00Z',
      '2026-11-28T00:00:00.001Z',
    ]);
    expect(reads).toBe(1);
  });
});
