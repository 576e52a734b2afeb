import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type CatalogSpec, defineCatalog, isCatalogError, producerDelivery } from '../../shared/catalog';
import { lambdaContext } from '../fixtures/apigw';
import { atLeastOnceCatalog, atLeastOnceIngress, post, storedRecords } from './ingress-at-least-once-support';
import { bodyOf, order } from './ingress-support';

const JSON_TYPE = 'application/json';
const BATCH_TYPE = 'application/cloudevents-batch+json';

const plain = (type: string, n: number) => ({ type, data: order(`o-${n}`) });
const cloudEvent = (type: string, n: number) => ({
  specversion: '1.0',
  id: `evt-${n}`,
  source: '/importer',
  type,
  data: order(`o-${n}`),
});

describe('ingress, producer declared at-least-once', () => {
  it('accepts a plain JSON array without ids: one PutRecords, one result per event in order, no DynamoDB', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = atLeastOnceIngress();
    const events = [1, 2, 3].map((n) => plain('OrderImported', n));
    // Act
    const result = await ingress(post('importer', JSON_TYPE, events), lambdaContext());
    // Assess
    expect(result.statusCode).toBe(202);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(1);
    const stored = storedRecords(kinesisMock);
    expect(stored.map((s) => s.partitionKey)).toEqual(['o-1', 'o-2', 'o-3']);
    expect(stored.map((s) => s.envelope.source)).toEqual(Array(3).fill('/producers/importer'));
    expect(new Set(stored.map((s) => s.envelope.id)).size).toBe(3);
    expect(bodyOf(result).results).toEqual(
      stored.map((s, i) => ({
        id: s.envelope.id,
        shardId: 'shardId-000000000000',
        sequenceNumber: String(i + 1),
        duplicate: false,
      })),
    );
    expect(dynamoMock.calls()).toHaveLength(0);
  });

  it('stores a retried array again, under new ids: nothing dedupes it', async () => {
    // Prepare
    const { ingress, kinesisMock } = atLeastOnceIngress();
    const request = post('importer', JSON_TYPE, [plain('OrderImported', 1), plain('OrderImported', 2)]);
    // Act
    const first = await ingress(request, lambdaContext());
    const retry = await ingress(request, lambdaContext());
    // Assess
    expect([first.statusCode, retry.statusCode]).toEqual([202, 202]);
    const ids = storedRecords(kinesisMock).map((s) => s.envelope.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('accepts a CloudEvents batch and keeps its ids as event ids, without claiming them', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = atLeastOnceIngress();
    const request = post(
      'importer',
      BATCH_TYPE,
      [1, 2].map((n) => cloudEvent('OrderImported', n)),
    );
    // Act
    const first = await ingress(request, lambdaContext());
    const retry = await ingress(request, lambdaContext());
    // Assess: the retry is written again, with the same ids, and answered as new.
    expect([first.statusCode, retry.statusCode]).toEqual([202, 202]);
    expect(storedRecords(kinesisMock).map((s) => s.envelope.id)).toEqual([
      'evt-1',
      'evt-2',
      'evt-1',
      'evt-2',
    ]);
    expect(bodyOf(retry).results).toMatchObject([{ duplicate: false }, { duplicate: false }]);
    expect(dynamoMock.calls()).toHaveLength(0);
  });

  it('still requires a CloudEvent id (the spec makes it REQUIRED)', async () => {
    // Prepare
    const { ingress, kinesisMock } = atLeastOnceIngress();
    const { id: _, ...noId } = cloudEvent('OrderImported', 1);
    // Act
    const result = await ingress(post('importer', BATCH_TYPE, [noId]), lambdaContext());
    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({
      code: 'INVALID_EVENTS',
      errors: [{ index: 0, path: '/id', message: 'id is required' }],
    });
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('validates every event of an array and writes none when one is invalid', async () => {
    // Prepare
    const { ingress, kinesisMock } = atLeastOnceIngress();
    const bad = { type: 'OrderImported', data: { ...order('o-2'), items: [] } };
    // Act
    const result = await ingress(
      post('importer', JSON_TYPE, [plain('OrderImported', 1), bad, plain('OrderRequested', 3)]),
      lambdaContext(),
    );
    // Assess: the type it does not own wins (403), and every problem is listed.
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toMatchObject({
      code: 'FORBIDDEN',
      errors: [{ index: 2, path: '/type', message: 'producer importer does not own OrderRequested' }],
    });
    const invalid = await ingress(
      post('importer', JSON_TYPE, [plain('OrderImported', 1), bad, 'not an event']),
      lambdaContext(),
    );
    expect(invalid.statusCode).toBe(400);
    expect(bodyOf(invalid)).toMatchObject({
      code: 'MALFORMED_REQUEST',
      message: 'The array entry 2 must be a JSON object.',
    });
    const one = await ingress(post('importer', JSON_TYPE, [plain('OrderImported', 1), bad]), lambdaContext());
    expect(bodyOf(one)).toMatchObject({
      code: 'INVALID_EVENTS',
      errors: [{ index: 1, path: '/data/items' }],
    });
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('refuses an array over 500 events (413) and answers an empty one with no results', async () => {
    // Prepare
    const { ingress, kinesisMock } = atLeastOnceIngress();
    const many = Array.from({ length: 501 }, (_, n) => plain('OrderImported', n));
    // Act
    const over = await ingress(post('importer', JSON_TYPE, many), lambdaContext());
    const empty = await ingress(post('importer', JSON_TYPE, []), lambdaContext());
    // Assess
    expect(over.statusCode).toBe(413);
    expect(bodyOf(over).message).toBe('A JSON array holds at most 500 events; this one has 501.');
    expect(empty.statusCode).toBe(202);
    expect(bodyOf(empty)).toEqual({ results: [] });
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('refuses the Idempotency-Key header instead of ignoring it', async () => {
    // Prepare
    const { ingress, kinesisMock } = atLeastOnceIngress();
    // Act
    const result = await ingress(
      post('importer', JSON_TYPE, plain('OrderImported', 1), 'key-1'),
      lambdaContext(),
    );
    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ code: 'MALFORMED_REQUEST' });
    expect(bodyOf(result).message).toContain("Producer importer is declared with delivery: 'at-least-once'");
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('writes a plain event with an id under that id, unclaimed', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = atLeastOnceIngress();
    // Act
    const result = await ingress(
      post('importer', JSON_TYPE, { ...plain('OrderImported', 1), id: 'mine-1' }),
      lambdaContext(),
    );
    // Assess
    expect(result.statusCode).toBe(202);
    expect(storedRecords(kinesisMock).map((s) => s.envelope.id)).toEqual(['mine-1']);
    expect(dynamoMock.calls()).toHaveLength(0);
  });
});

describe('ingress, producer without the opt-in (idempotent, the default)', () => {
  it('refuses a plain JSON array with an error that names the opt-in, and writes nothing', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = atLeastOnceIngress();
    // Act
    const result = await ingress(
      post('storefront', JSON_TYPE, [plain('OrderRequested', 1), plain('OrderRequested', 2)]),
      lambdaContext(),
    );
    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ code: 'MALFORMED_REQUEST' });
    expect(bodyOf(result).message).toContain("delivery: 'at-least-once'");
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(0);
    expect(dynamoMock.calls()).toHaveLength(0);
  });

  it('still refuses a CloudEvents batch without ids and still claims one with ids', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = atLeastOnceIngress();
    const { id: _, ...noId } = cloudEvent('OrderRequested', 1);
    // Act
    const refused = await ingress(post('storefront', BATCH_TYPE, [noId]), lambdaContext());
    const claimed = await ingress(
      post('storefront', BATCH_TYPE, [cloudEvent('OrderRequested', 2)]),
      lambdaContext(),
    );
    // Assess
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused)).toMatchObject({ errors: [{ path: '/id', message: 'id is required' }] });
    expect(claimed.statusCode).toBe(202);
    expect(dynamoMock.calls().length).toBeGreaterThan(0);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(1);
  });
});

describe('catalog: producer delivery', () => {
  // Through JSON, as a catalog written in plain JavaScript reaches defineCatalog: the compiler cannot help.
  const spec = (delivery: string): CatalogSpec =>
    JSON.parse(
      JSON.stringify({
        topics: atLeastOnceCatalog.topics,
        eventTypes: atLeastOnceCatalog.eventTypes,
        services: atLeastOnceCatalog.services,
        producers: [{ name: 'storefront' }, { name: 'importer', delivery }],
      }),
    );

  it('refuses any other value with the allowed ones and the default', () => {
    // Act
    const error = (() => {
      try {
        defineCatalog(spec('at-most-once'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    // Assess
    expect(isCatalogError(error) && error.problems).toEqual([
      {
        path: 'producers[importer].delivery',
        message: "must be 'idempotent' or 'at-least-once' (the default is 'idempotent')",
      },
    ]);
  });

  it('keeps the declared value as a literal type and defaults to idempotent', () => {
    const typed = defineCatalog({
      topics: [{ name: 't', shards: 1, retentionHours: 24 }],
      producers: [{ name: 'bulk', delivery: 'at-least-once' }],
      eventTypes: [
        {
          type: 'E',
          topic: 't',
          writer: 'bulk',
          keyField: 'k',
          versions: { 1: { type: 'object', required: ['k'], properties: { k: { type: 'string' } } } },
        },
      ],
      services: [],
    });
    type Declared = NonNullable<(typeof typed)['~spec']>['producers'][0]['delivery'];
    expectTypeOf<Declared>().toEqualTypeOf<'at-least-once'>();
    expect(producerDelivery(typed, 'bulk')).toBe('at-least-once');
    expect(producerDelivery(atLeastOnceCatalog, 'importer')).toBe('at-least-once');
    expect(producerDelivery(atLeastOnceCatalog, 'storefront')).toBe('idempotent');
    expect(producerDelivery(atLeastOnceCatalog, 'orders')).toBe('idempotent');
  });
});
