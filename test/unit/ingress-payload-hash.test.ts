import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRequest, prepareEvents } from '../../shared/ingress';
import { createSchemaRegistry } from '../../shared/schemas';
import { httpEvent } from '../fixtures/apigw';
import { HASH_CASES, type HashCase } from './ingress-payload-hash-cases';
import { catalog } from './ingress-support';

const registry = createSchemaRegistry(catalog);

const prepare = (c: Pick<HashCase, 'headers' | 'body'>) =>
  prepareEvents(
    parseRequest(
      httpEvent({
        routeKey: 'POST /topics/{topic}/events',
        pathParameters: { topic: 'orders' },
        headers: c.headers,
        body: c.body,
      }),
    ),
    {
      catalog,
      registry,
      topic: 'orders',
      producer: 'storefront',
      now: () => new Date('2026-11-27T00:00:00Z'),
    },
  );

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64url');

/**
 * Computed by the implementations before the ingress CPU work (commit 27fc582): claim items in DynamoDB
 * hold payload hashes, and consumers read record bytes, so both must stay exactly as they were.
 */
const PINNED: Record<string, { payloadHashes: string[]; recordDigests: string[] }> = {
  'structured, minimal': {
    payloadHashes: ['e6EO5bfEioTAOXKbUcXevS3HONSwjuvBCFkLqCVr0I4'],
    recordDigests: ['byopg-SIGf3rBr5ntLiUp1Wt8SWFdaVN-9twz3levX4'],
  },
  'structured, every optional attribute and extensions': {
    payloadHashes: ['_--YwhlzLWCTe5icBKUdZ-GKco3WM8cYUFHqeJHNXQM'],
    recordDigests: ['91Z-RW5WL7qjTXLzyOHY1rPbhxkF_Kbp4MwnHJTfdXo'],
  },
  'batch of two, keys in another order, non-ASCII text, numbers': {
    payloadHashes: [
      's1bxv9Bo7DDa5-jKF8UR7lLDiEgInwTxVC-3WZWmb_c',
      '56qbwalZhuo408Ceuq3lSAeE_aDp5CEU0zq27uTRiFk',
    ],
    recordDigests: [
      'V7SOlEOJbZagVRXt0mzIY47tFzy9f3sOF_8xspHiX5s',
      '-jWTIlfmAsDfluBLbdKvFd_TKECX3TF4SXODwNK9y7k',
    ],
  },
  'plain JSON with an Idempotency-Key': {
    payloadHashes: ['MrPA8a2MSkpKTilTsNsmRo1arbQtc63MSaz3cOMVKBg'],
    recordDigests: ['zwDVR3d-s-UhxqybCpRaGk72SRj5itvl2mECO50MO2I'],
  },
};

describe('ingress payload hash and record bytes', () => {
  it.each(HASH_CASES.map((c) => [c.name, c] as const))('stay as pinned: %s', (name, c) => {
    // Act
    const events = prepare(c);

    // Assess
    expect(events.map((e) => e.idempotency?.payloadHash)).toEqual(PINNED[name]?.payloadHashes);
    expect(events.map((e) => digest(e.bytes))).toEqual(PINNED[name]?.recordDigests);
  });

  it('hashes the same payload sent with its keys in another order alike, and another payload not', () => {
    // Prepare
    const data = { orderId: 'o-9', customerId: 'c-9', items: [{ sku: 's', quantity: 1, unitPrice: 2 }] };
    const event = (d: unknown) => ({
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'e-9',
        source: 'storefront',
        type: 'OrderRequested',
        data: d,
      }),
    });
    const reordered = { items: [{ unitPrice: 2, quantity: 1, sku: 's' }], customerId: 'c-9', orderId: 'o-9' };

    // Act
    const [a] = prepare(event(data));
    const [b] = prepare(event(reordered));
    const [c] = prepare(event({ ...data, customerId: 'c-10' }));

    // Assess
    expect(a?.idempotency?.payloadHash).toBeDefined();
    expect(b?.idempotency?.payloadHash).toBe(a?.idempotency?.payloadHash);
    expect(c?.idempotency?.payloadHash).not.toBe(a?.idempotency?.payloadHash);
  });
});
