import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import { eventType, latestVersion } from '../../shared/catalog';
import {
  type IngressBackbone,
  jsonBody,
  startIngressBackbone,
  withoutConsumers,
} from './helpers/ingress-backbone';

const order = (orderId: string, quantity = 1) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'tea', quantity, unitPrice: 3.5 }],
});
const ce = (id: string, data: unknown, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id,
  source: '/e2e/http',
  type: 'OrderRequested',
  data,
  ...extra,
});
const spec = eventType(catalog, 'OrderRequested');
if (!spec) throw new Error('the example catalog has no OrderRequested');
const LATEST = latestVersion(spec);
const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };

interface Result {
  id: string;
  shardId: string;
  sequenceNumber: string;
  duplicate: boolean;
}
const resultsOf = async (response: Response): Promise<Result[]> =>
  (await jsonBody(response)).results as Result[];

describe('ingress over HTTP in local mode (example catalog, functions/ingress.ts)', () => {
  let spine: IngressBackbone;
  beforeAll(async () => {
    spine = await startIngressBackbone(withoutConsumers(catalog));
  });
  afterAll(async () => {
    await spine?.stop();
  });
  const stored = async (id: string) => (await spine.readStream('orders')).filter((e) => e.id === id);

  describe('modes', () => {
    it('accepts plain JSON and stores a complete envelope at the acknowledged position', async () => {
      // Act
      const response = await spine.post(
        'orders',
        JSON.stringify({ type: 'OrderRequested', data: order('p-1') }),
      );
      // Assess
      expect(response.status).toBe(202);
      const [result] = await resultsOf(response);
      expect(result).toMatchObject({ duplicate: false, id: expect.any(String) });
      const [envelope] = await stored(result?.id ?? '');
      expect(envelope).toMatchObject({
        specversion: '1.0',
        source: '/producers/storefront',
        type: 'OrderRequested',
        datacontenttype: 'application/json',
        dataschema: `urn:spine:schema:OrderRequested:${LATEST}`,
        dataversion: LATEST,
        partitionkey: 'p-1',
        data: order('p-1'),
        shardId: result?.shardId,
        sequenceNumber: result?.sequenceNumber,
      });
      expect(Date.parse(envelope?.time ?? '')).not.toBeNaN();
    });

    it('accepts binary mode: ce-* headers, data in the body, extensions kept', async () => {
      // Act
      const response = await spine.post('orders', JSON.stringify(order('b-1')), {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'bin-1',
        'ce-source': '/e2e/binary',
        'ce-type': 'OrderRequested',
        'ce-time': '2024-05-01T12:00:00Z',
        'ce-partitionkey': 'custom-key',
        'ce-correlationid': 'corr-1',
        'ce-causationid': 'cause-1',
        'ce-subject': 'orders/b-1',
        'ce-extlevel': '3',
      });
      // Assess
      expect(response.status).toBe(202);
      expect((await resultsOf(response))[0]?.id).toBe('bin-1');
      expect(await stored('bin-1')).toEqual([
        expect.objectContaining({
          source: '/e2e/binary',
          time: '2024-05-01T12:00:00Z',
          partitionkey: 'custom-key',
          correlationid: 'corr-1',
          causationid: 'cause-1',
          subject: 'orders/b-1',
          extensions: { extlevel: '3' },
          data: order('b-1'),
        }),
      ]);
    });

    it('accepts structured mode', async () => {
      // Act
      const response = await spine.post('orders', JSON.stringify(ce('str-1', order('s-1'))), STRUCTURED);
      // Assess
      expect(response.status).toBe(202);
      expect(await stored('str-1')).toEqual([
        expect.objectContaining({ partitionkey: 's-1', source: '/e2e/http' }),
      ]);
    });

    it('accepts batch mode and answers one result per event in request order', async () => {
      // Prepare
      const events = ['bt-1', 'bt-2', 'bt-3'].map((id, i) => ce(id, order(`k-${i % 2}`)));
      // Act
      const response = await spine.post('orders', JSON.stringify(events), BATCH);
      // Assess
      expect(response.status).toBe(202);
      const results = await resultsOf(response);
      expect(results.map((r) => r.id)).toEqual(['bt-1', 'bt-2', 'bt-3']);
      const log = await spine.readStream('orders');
      for (const r of results)
        expect(log.find((e) => e.id === r.id)).toMatchObject({
          sequenceNumber: r.sequenceNumber,
          shardId: r.shardId,
        });
    });

    it('answers an empty batch with 202 and no results', async () => {
      // Act
      const response = await spine.post('orders', '[]', BATCH);
      // Assess
      expect(response.status).toBe(202);
      expect(await jsonBody(response)).toEqual({ results: [] });
    });
  });

  describe('400: nothing is written', () => {
    it('requires id in structured mode, where plain mode would generate one', async () => {
      // Act
      const { id: _, ...noId } = ce('no-id', order('no-id'), { subject: 'no-id' });
      const response = await spine.post('orders', JSON.stringify(noId), STRUCTURED);
      // Assess
      expect(response.status).toBe(400);
      expect(await jsonBody(response)).toMatchObject({ errors: [{ index: 0, path: '/id' }] });
      const log = await spine.readStream('orders');
      expect(log.filter((e) => e.subject === 'no-id')).toEqual([]);
    });

    it('names malformed JSON', async () => {
      // Act
      const response = await spine.post('orders', '{"type": "OrderRequested", "data": ');
      // Assess
      expect(response.status).toBe(400);
      expect(await jsonBody(response)).toMatchObject({
        code: 'MALFORMED_REQUEST',
        message: expect.stringContaining('not valid JSON'),
      });
    });

    it('names a missing attribute by index, path and expectation', async () => {
      // Act
      const { source: _, ...noSource } = ce('missing-source', order('m-1'));
      const response = await spine.post('orders', JSON.stringify(noSource), STRUCTURED);
      // Assess
      expect(response.status).toBe(400);
      expect(await jsonBody(response)).toMatchObject({
        code: 'INVALID_EVENTS',
        errors: [{ index: 0, path: '/source', message: 'source is required', expected: 'a URI-reference' }],
      });
      expect(await stored('missing-source')).toEqual([]);
    });

    it('rejects a whole batch for one schema violation, naming its index and path, and writes none of it', async () => {
      // Prepare
      const events = [ce('sv-0', order('sv')), ce('sv-1', order('sv', 0)), ce('sv-2', order('sv'))];
      // Act
      const response = await spine.post('orders', JSON.stringify(events), BATCH);
      // Assess
      expect(response.status).toBe(400);
      expect(await jsonBody(response)).toMatchObject({
        code: 'INVALID_EVENTS',
        errors: [{ index: 1, path: '/data/items/0/quantity', expected: 'minimum 1' }],
      });
      const log = await spine.readStream('orders');
      expect(log.filter((e) => e.id.startsWith('sv-'))).toEqual([]);
    });

    it('names an unknown type and an unknown version', async () => {
      // Act
      const type = await spine.post('orders', JSON.stringify({ type: 'NoSuchType', data: {} }));
      const version = await spine.post(
        'orders',
        JSON.stringify({ type: 'OrderRequested', version: LATEST + 1, data: order('v-next') }),
      );
      // Assess
      expect(type.status).toBe(400);
      expect(await jsonBody(type)).toMatchObject({
        errors: [{ index: 0, path: '/type', expected: expect.stringContaining('OrderRequested') }],
      });
      expect(version.status).toBe(400);
      expect(await jsonBody(version)).toMatchObject({
        errors: [
          {
            index: 0,
            path: '/version',
            message: `unknown version ${LATEST + 1} of OrderRequested`,
            expected: `a version up to ${LATEST}`,
          },
        ],
      });
    });
  });

  describe('other refusals', () => {
    it('answers 401 to a missing or wrong token', async () => {
      // Act
      const none = await fetch(`${spine.url}/topics/orders/events`, { method: 'POST', body: '{}' });
      const wrong = await fetch(`${spine.url}/topics/orders/events`, {
        method: 'POST',
        headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' },
        body: '{}',
      });
      // Assess
      expect(none.status).toBe(401);
      expect(wrong.status).toBe(401);
      expect(await jsonBody(wrong)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
    });

    it('answers 403 to a producer writing a type it does not own, or a topic it has no type on', async () => {
      // Prepare: OrderValidated lives on `orders` but its single writer is the orders service.
      const validated = {
        type: 'OrderValidated',
        data: { orderId: 'f-1', customerId: 'c-1', amount: 1, currency: 'EUR' },
      };
      // Act
      const notOwner = await spine.post('orders', JSON.stringify(validated));
      const otherTopic = await spine.post(
        'orders',
        JSON.stringify({ type: 'OrderRequested', data: order('f-2') }),
        { 'content-type': 'application/json' },
        'fx-feed',
      );
      // Assess
      expect(notOwner.status).toBe(403);
      expect(await jsonBody(notOwner)).toMatchObject({
        code: 'FORBIDDEN',
        errors: [{ index: 0, path: '/type', message: 'producer storefront does not own OrderValidated' }],
      });
      expect(otherTopic.status).toBe(403);
      expect(await jsonBody(otherTopic)).toMatchObject({
        code: 'FORBIDDEN',
        message: 'Producer fx-feed may not write topic orders.',
      });
      const log = await spine.readStream('orders');
      expect(log.filter((e) => e.partitionkey.startsWith('f-'))).toEqual([]);
    });

    it('answers 404 to an unknown topic', async () => {
      // Act
      const response = await spine.post(
        'invoices',
        JSON.stringify({ type: 'OrderRequested', data: order('x') }),
      );
      // Assess
      expect(response.status).toBe(404);
      expect(await jsonBody(response)).toMatchObject({ code: 'UNKNOWN_TOPIC' });
    });

    it('answers a repeated key as the first time, and 409 naming the key when the payload differs', async () => {
      // Prepare
      const headers = { 'content-type': 'application/json', 'idempotency-key': 'e2e-key-1' };
      const first = await spine.post(
        'orders',
        JSON.stringify({ type: 'OrderRequested', data: order('i-1') }),
        headers,
      );
      // Act
      const repeat = await spine.post(
        'orders',
        JSON.stringify({ type: 'OrderRequested', data: order('i-1') }),
        headers,
      );
      const conflict = await spine.post(
        'orders',
        JSON.stringify({ type: 'OrderRequested', data: order('i-1', 2) }),
        headers,
      );
      // Assess
      const [written] = await resultsOf(first);
      expect(await resultsOf(repeat)).toEqual([{ ...written, duplicate: true }]);
      expect(conflict.status).toBe(409);
      expect(await jsonBody(conflict)).toMatchObject({
        code: 'IDEMPOTENCY_CONFLICT',
        message: expect.stringContaining('Idempotency-Key "e2e-key-1"'),
      });
      expect(await stored(written?.id ?? '')).toHaveLength(1);
    });

    it('answers 413 to a request over 10 MiB, a batch over 500 events, and an event over the record limit', async () => {
      // Prepare
      const huge = JSON.stringify({
        type: 'OrderRequested',
        data: { pad: 'x'.repeat(10 * 1024 * 1024 + 1) },
      });
      const many = Array.from({ length: 501 }, (_, i) => ce(`many-${i}`, order('many')));
      const big = ce('big-1', order('big'), { correlationid: 'c'.repeat(1024 * 1024) });
      // Act
      const request = await spine.post('orders', huge);
      const batch = await spine.post('orders', JSON.stringify(many), BATCH);
      const event = await spine.post('orders', JSON.stringify(big), STRUCTURED);
      // Assess
      expect(request.status).toBe(413);
      expect(batch.status).toBe(413);
      expect(await jsonBody(batch)).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringContaining('500'),
      });
      expect(event.status).toBe(413);
      expect(await jsonBody(event)).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        errors: [{ index: 0, path: '', expected: 'at most 1048528 bytes' }],
      });
      expect(await stored('big-1')).toEqual([]);
    });

    it('answers 415 to a content type it does not speak', async () => {
      // Act
      const response = await spine.post('orders', 'type=OrderRequested', { 'content-type': 'text/plain' });
      // Assess
      expect(response.status).toBe(415);
      expect(await jsonBody(response)).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: expect.stringContaining('text/plain'),
      });
    });
  });

  describe('registry and health', () => {
    const get = (path: string, auth = true) =>
      fetch(
        `${spine.url}${path}`,
        auth ? { headers: { authorization: `Bearer ${spine.token('storefront')}` } } : {},
      );

    it('lists every topic of the catalog with its types, writers and versions', async () => {
      // Act
      const response = await get('/topics');
      // Assess
      expect(response.status).toBe(200);
      const body = (await jsonBody(response)) as { topics: { name: string; eventTypes: unknown[] }[] };
      expect(body.topics.map((t) => t.name)).toEqual(catalog.topics.map((t) => t.name));
      expect(body.topics.find((t) => t.name === 'orders')?.eventTypes).toContainEqual({
        type: 'OrderRequested',
        writer: 'storefront',
        keyField: 'orderId',
        versions: Object.keys(spec.versions).map(Number),
        latestVersion: LATEST,
        compatibility: spec.compatibility ?? 'BACKWARD',
      });
    });

    it('serves the JSON Schema of a type, latest or by version, and 404 for unknown ones', async () => {
      // Act
      const latest = await get('/schemas/OrderRequested');
      const v1 = await get('/schemas/OrderRequested/1');
      const next = await get(`/schemas/OrderRequested/${LATEST + 1}`);
      const unknown = await get('/schemas/Nope');
      // Assess
      expect(latest.status).toBe(200);
      expect(latest.headers.get('content-type')).toBe('application/schema+json');
      expect(await jsonBody(latest)).toMatchObject({
        $id: `urn:spine:schema:OrderRequested:${LATEST}`,
        ...spec.versions[LATEST],
      });
      expect(await jsonBody(v1)).toMatchObject({
        $id: 'urn:spine:schema:OrderRequested:1',
        ...spec.versions[1],
      });
      expect(next.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(await jsonBody(unknown)).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('keeps the registry behind the producer token and leaves only /health open', async () => {
      // Act
      const topics = await get('/topics', false);
      const schema = await get('/schemas/OrderRequested', false);
      const health = await get('/health', false);
      // Assess
      expect([topics.status, schema.status]).toEqual([401, 401]);
      expect(health.status).toBe(200);
      expect(await jsonBody(health)).toEqual({ status: 'ok', kinesis: 'up', dynamodb: 'up' });
    });
  });
});
