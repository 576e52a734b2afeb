import { describe, expect, it } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { bodyOf, ingressWithMocks } from './ingress-support';

const schema = (extra: Record<string, unknown> = {}) => ({
  type: 'object',
  required: ['orderId'],
  properties: { orderId: { type: 'string' }, ...extra },
});

const catalog = defineCatalog({
  topics: [{ name: 'orders', shards: 1, retentionHours: 24 }],
  producers: [{ name: 'storefront' }],
  eventTypes: [
    {
      type: 'OrderRequested',
      topic: 'orders',
      writer: 'storefront',
      keyField: 'orderId',
      versions: { 1: schema(), 2: schema({ note: { type: 'string' } }) },
    },
    {
      type: 'OrderNoted',
      topic: 'orders',
      writer: 'storefront',
      keyField: 'orderId',
      versions: { 1: schema() },
      compatibility: 'FULL_TRANSITIVE',
    },
  ],
  // The shared ingress fixture maps a role to `orders`, a service writing no type here.
  services: [{ name: 'orders', entry: 'none.ts', subscriptions: [], tables: [] }],
});

describe('ingress registry API (GET /topics) and schema evolution', () => {
  it("shows each event type's compatibility mode, BACKWARD when undeclared, with its versions", async () => {
    // Prepare
    const { ingress } = ingressWithMocks({ catalog });
    // Act
    const result = await ingress(
      httpEvent({ routeKey: 'GET /topics', userArn: assumedRoleArn('storefront-role') }),
    );
    // Assess
    expect(result.statusCode).toBe(200);
    const [orders] = bodyOf(result).topics as { eventTypes: Record<string, unknown>[] }[];
    expect(
      orders?.eventTypes.map(({ type, versions, latestVersion, compatibility }) => ({
        type,
        versions,
        latestVersion,
        compatibility,
      })),
    ).toEqual([
      { type: 'OrderRequested', versions: [1, 2], latestVersion: 2, compatibility: 'BACKWARD' },
      { type: 'OrderNoted', versions: [1], latestVersion: 1, compatibility: 'FULL_TRANSITIVE' },
    ]);
  });
});
