import { ConditionalCheckFailedException, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../shared/envelope';
import { assumedRoleArn, httpEvent, lambdaContext } from '../fixtures/apigw';
import { bodyOf, ingressWithMocks, order, PUBLISH } from './ingress-support';

const post = (
  headers: Record<string, string>,
  body: unknown,
  extra: { userArn?: string; topic?: string } = {},
) =>
  httpEvent({
    routeKey: PUBLISH,
    pathParameters: { topic: extra.topic ?? 'orders' },
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    userArn: 'userArn' in extra ? extra.userArn : assumedRoleArn('storefront-role'),
  });

const storedRecords = (kinesisMock: ReturnType<typeof ingressWithMocks>['kinesisMock']) =>
  kinesisMock.commandCalls(PutRecordsCommand).flatMap((call) =>
    (call.args[0].input.Records ?? []).map((r) => ({
      partitionKey: r.PartitionKey,
      envelope: decodeEnvelope(r.Data ?? new Uint8Array()),
    })),
  );

describe('ingress publish', () => {
  it('accepts plain JSON, stores a full envelope keyed by the catalog key field and answers 202', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = ingressWithMocks();
    // Act
    const result = await ingress(
      post({ 'content-type': 'application/json' }, { type: 'OrderRequested', data: order('o-7') }),
      lambdaContext(),
    );
    // Assess
    expect(result.statusCode).toBe(202);
    const [stored] = storedRecords(kinesisMock);
    expect(stored?.partitionKey).toBe('o-7');
    expect(stored?.envelope).toMatchObject({
      specversion: '1.0',
      source: '/producers/storefront',
      type: 'OrderRequested',
      time: '2024-05-01T12:00:00.000Z',
      datacontenttype: 'application/json',
      dataschema: 'urn:spine:schema:OrderRequested:1',
      dataversion: 1,
      partitionkey: 'o-7',
      data: order('o-7'),
    });
    expect(bodyOf(result)).toEqual({
      results: [
        { id: stored?.envelope.id, shardId: 'shardId-000000000000', sequenceNumber: '1', duplicate: false },
      ],
    });
    // No id and no Idempotency-Key: dedupe does not apply, so DynamoDB is not touched.
    expect(dynamoMock.calls()).toHaveLength(0);
  });

  it('keeps producer attributes of a structured event and lets partitionkey override the key field', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = ingressWithMocks();
    dynamoMock.on(PutItemCommand).resolves({});
    dynamoMock.on(UpdateItemCommand).resolves({});
    const event = {
      specversion: '1.0',
      id: 'evt-1',
      source: 'https://shop.example/checkout',
      type: 'OrderRequested',
      time: '2024-04-30T10:00:00Z',
      partitionkey: 'customer-1',
      correlationid: 'corr-1',
      causationid: 'cause-1',
      datacontenttype: 'application/json',
      data: order(),
    };
    // Act
    const result = await ingress(
      post({ 'content-type': 'application/cloudevents+json; charset=utf-8' }, event),
    );
    // Assess
    expect(result.statusCode).toBe(202);
    expect(storedRecords(kinesisMock)[0]).toEqual({
      partitionKey: 'customer-1',
      envelope: {
        ...event,
        datacontenttype: 'application/json',
        dataschema: 'urn:spine:schema:OrderRequested:1',
        dataversion: 1,
      },
    });
    // The topic keeps records 24 h, as long as the key's window: the claim is the key's only write.
    expect(dynamoMock.commandCalls(PutItemCommand)).toHaveLength(1);
    expect(dynamoMock.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('answers a known key from the store as a duplicate and writes nothing', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = ingressWithMocks();
    const request = post(
      { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
      { type: 'OrderRequested', data: order() },
    );
    dynamoMock
      .on(PutItemCommand)
      .resolvesOnce({})
      .callsFake(() => {
        const first = dynamoMock.commandCalls(PutItemCommand)[0]?.args[0].input.Item ?? {};
        throw new ConditionalCheckFailedException({
          message: 'exists',
          $metadata: {},
          Item: {
            ...first,
            state: { S: 'done' },
            eventId: { S: 'evt-original' },
            shardId: { S: 'shardId-000000000003' },
            sequenceNumber: { S: '42' },
          },
        });
      });
    dynamoMock.on(UpdateItemCommand).resolves({});
    await ingress(request);
    // Act
    const repeat = await ingress(request);
    // Assess
    expect(repeat.statusCode).toBe(202);
    expect(bodyOf(repeat)).toEqual({
      results: [
        { id: 'evt-original', shardId: 'shardId-000000000003', sequenceNumber: '42', duplicate: true },
      ],
    });
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(1);
  });
});

describe('ingress publish details', () => {
  it('derives the event id from the Idempotency-Key, so a takeover after a crash keeps the same id', async () => {
    // Prepare
    const a = ingressWithMocks();
    const b = ingressWithMocks();
    const request = post(
      { 'content-type': 'application/json', 'idempotency-key': 'k-9' },
      { type: 'OrderRequested', data: order() },
    );
    // Act
    const first = bodyOf(await a.ingress(request));
    const second = bodyOf(await b.ingress(request));
    // Assess
    expect(first.results).toEqual(second.results);
    expect((first.results as { id: string }[])[0]?.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('claims with the topic window as TTL, less a minute where it equals the retention, and a lease', async () => {
    // Prepare
    const { ingress, dynamoMock } = ingressWithMocks();
    const before = Math.floor(Date.now() / 1000);
    // Act
    await ingress(
      post({ 'content-type': 'application/json' }, { type: 'OrderRequested', id: 'e-1', data: order() }),
    );
    const after = Math.ceil(Date.now() / 1000);
    // Assess: within the call's own time span (a fixed 2 s bound fails whenever a loaded machine takes
    // longer over the first request, which also builds the validators)
    const item = dynamoMock.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    // Window 24 h = retention 24 h: the key must be forgotten before the log can drop its record.
    expect(Number(item?.expiresAt?.N) - before).toBeGreaterThanOrEqual(24 * 3600 - 60);
    expect(Number(item?.expiresAt?.N) - after).toBeLessThanOrEqual(24 * 3600 - 60);
    expect(Number(item?.leaseUntil?.N)).toBeGreaterThan(Date.now());
    expect(item?.state).toEqual({ S: 'pending' });
  });

  it('writes a key repeated inside one batch once and answers the repeat as a duplicate', async () => {
    // Prepare
    const { ingress, kinesisMock } = ingressWithMocks();
    const event = { specversion: '1.0', id: 'same', source: '/s', type: 'OrderRequested', data: order() };
    // Act
    const result = await ingress(
      post({ 'content-type': 'application/cloudevents-batch+json' }, [event, event]),
    );
    // Assess
    const results = bodyOf(result).results as { sequenceNumber: string; duplicate: boolean }[];
    expect(results.map((r) => [r.sequenceNumber, r.duplicate])).toEqual([
      ['1', false],
      ['1', true],
    ]);
    expect(storedRecords(kinesisMock)).toHaveLength(1);
  });

  it('reads a base64-encoded body and rejects unknown plain-mode fields', async () => {
    // Prepare
    const { ingress } = ingressWithMocks();
    const encoded = (body: unknown) => ({
      ...post({ 'content-type': 'application/json' }, ''),
      body: Buffer.from(JSON.stringify(body)).toString('base64'),
      isBase64Encoded: true,
    });
    // Act
    const ok = await ingress(encoded({ type: 'OrderRequested', data: order() }));
    const typo = await ingress(encoded({ type: 'OrderRequested', data: order(), Key: 'x' }));
    // Assess
    expect(ok.statusCode).toBe(202);
    expect(typo.statusCode).toBe(400);
    expect(bodyOf(typo).errors).toMatchObject([{ index: 0, path: '/Key', message: 'unknown field Key' }]);
  });

  it('checks version attributes against each other and the catalog', async () => {
    // Prepare
    const { ingress } = ingressWithMocks();
    const base = { specversion: '1.0', id: 'v', source: '/s', type: 'OrderRequested', data: order() };
    const send = (extra: Record<string, unknown>) =>
      ingress(post({ 'content-type': 'application/cloudevents+json' }, { ...base, ...extra }));
    // Act
    const byUrn = await send({ dataschema: 'urn:spine:schema:OrderRequested:1' });
    const clash = await send({ dataschema: 'urn:spine:schema:OrderRequested:1', dataversion: 2 });
    const other = await send({ dataschema: 'urn:spine:schema:Other:1' });
    // Assess
    expect(byUrn.statusCode).toBe(202);
    expect(clash.statusCode).toBe(400);
    expect(bodyOf(other).errors).toMatchObject([{ path: '/dataschema' }]);
  });
});
