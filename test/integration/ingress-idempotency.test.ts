import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import { RUNTIME_TABLES, streamEnvVar } from '../../shared/config';
import { decodeEnvelope, type Envelope, resentSinceOfBytes } from '../../shared/envelope';
import {
  createDynamoIdempotencyStore,
  createIngress,
  type IngressHandler,
  loadIngressConfig,
  parseRequest,
  prepareEvents,
} from '../../shared/ingress';
import { createSchemaRegistry } from '../../shared/schemas';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { type Emulators, startEmulators } from './helpers/emulators';

const STREAM = 'it-orders';
const TABLE = 'it-idempotency';

const publishRequest = (key: string, quantity: number) =>
  httpEvent({
    routeKey: 'POST /topics/{topic}/events',
    pathParameters: { topic: 'orders' },
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({
      type: 'OrderRequested',
      data: { orderId: 'o-1', customerId: 'c-1', items: [{ sku: 'A', quantity, unitPrice: 1 }] },
    }),
    userArn: assumedRoleArn('storefront-role'),
  });

/** A record as read back: the envelope, and its re-send mark (`spineresent`, epoch ms) when it has one. */
type Read = Envelope & { readonly resent?: number };

const readAll = async (env: Emulators): Promise<Read[]> => {
  const shards = (await env.kinesis.send(new ListShardsCommand({ StreamName: STREAM }))).Shards ?? [];
  const out: Read[] = [];
  for (const shard of shards) {
    const { ShardIterator } = await env.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: STREAM,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const records = await env.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
    for (const r of records.Records ?? []) {
      if (!r.Data) continue;
      const resent = resentSinceOfBytes(r.Data);
      out.push({ ...decodeEnvelope(r.Data), ...(resent !== undefined && { resent }) });
    }
  }
  return out;
};

describe('ingress against DynamoDB Local and kinesis-mock', () => {
  let env: Emulators;
  let ingress: IngressHandler;
  /** An ingress on the shared emulators whose idempotency store reads the given clock. */
  let ingressWithClock: (now: () => number) => IngressHandler;

  beforeAll(async () => {
    env = await startEmulators();
    await Promise.all([env.createStream(STREAM), env.createIdempotencyTable(TABLE)]);
    const config = loadIngressConfig(catalog, {
      // Only `orders` is written here; the example's other topics need a name to load the config.
      ...Object.fromEntries(catalog.topics.map((t) => [streamEnvVar(t.name), `it-${t.name}`])),
      SPINE_STREAM_ORDERS: STREAM,
      SPINE_TABLE_IDEMPOTENCY: TABLE,
      SPINE_PRODUCER_PRINCIPALS: JSON.stringify({ 'storefront-role': 'storefront' }),
    });
    ingressWithClock = (now) =>
      createIngress({
        catalog,
        registry: createSchemaRegistry(catalog),
        config,
        kinesis: env.kinesis,
        dynamo: env.dynamo,
        store: createDynamoIdempotencyStore(env.dynamo, config.idempotencyTable, { now }),
      });
    ingress = ingressWithClock(Date.now);
    expect(RUNTIME_TABLES.idempotency.partitionKey).toBe('pk');
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('writes exactly one record for 100 concurrent posts of the same key', async () => {
    // Act
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => ingress(publishRequest('same-key', 1))),
    );
    // Assess: one unmarked record. The writer re-sends a call it aborted (10 s, reached by kinesis-mock
    // on a loaded machine) marked, and such a copy of the same event may follow it (idempotency.ts:
    // "no request writes the event to the log UNMARKED more than once"); consumers drop it.
    const copies = (await readAll(env)).filter((e) => e.type === 'OrderRequested');
    const records = copies.filter((e) => e.resent === undefined);
    expect(records).toHaveLength(1);
    expect(copies.filter((e) => e.id !== records[0]?.id)).toEqual([]);
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    const accepted = answers.filter((a) => a.statusCode === 202).map((a) => JSON.parse(a.body ?? '{}'));
    const firsts = accepted.filter((b) => b.results[0].duplicate === false);
    expect(firsts).toHaveLength(1);
    expect(firsts[0].results[0].id).toBe(records[0]?.id);
    for (const a of answers.filter((x) => x.statusCode === 409)) {
      expect(a.headers?.['retry-after']).toBe('1');
      expect(JSON.parse(a.body ?? '{}').code).toBe('IDEMPOTENCY_IN_FLIGHT');
    }
    // Once settled, a retry is answered as the first was.
    const retry = await ingress(publishRequest('same-key', 1));
    expect(retry.statusCode).toBe(202);
    expect(JSON.parse(retry.body ?? '{}').results[0]).toEqual({ ...firsts[0].results[0], duplicate: true });
  });

  it('answers 409 naming the key when it is reused with a different payload', async () => {
    // Prepare
    const first = await ingress(publishRequest('reused-key', 1));
    // Act
    const second = await ingress(publishRequest('reused-key', 2));
    // Assess
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(409);
    const body = JSON.parse(second.body ?? '{}');
    expect(body.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(body.message).toContain('Idempotency-Key "reused-key"');
  });

  it('takes over a claim left in flight by a crashed request once its lease has passed', async () => {
    // Prepare: a claimant with a 200 ms lease claims the key and never completes (it "crashed"). Both
    // stores read one clock that only the test moves: with the wall clock, a request slower than the
    // lease (one DynamoDB Local call can take that under load) took the claim over before `during`.
    let clock = Date.now();
    const now = () => clock;
    const ingressAt = ingressWithClock(now);
    const request = publishRequest('crashed-key', 1);
    const [event] = prepareEvents(parseRequest(request), {
      catalog,
      registry: createSchemaRegistry(catalog),
      topic: 'orders',
      producer: 'storefront',
      now: () => new Date(),
    });
    const claim = event?.idempotency;
    if (!claim) throw new Error('expected an idempotency claim');
    const crashed = createDynamoIdempotencyStore(env.dynamo, TABLE, { leaseMs: 200, now });
    expect((await crashed.claim(claim)).kind).toBe('claimed');
    // Act
    const during = await ingressAt(request);
    clock += 300;
    const after = await ingressAt(request);
    // Assess
    expect(during.statusCode).toBe(409);
    expect(JSON.parse(during.body ?? '{}').code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(after.statusCode).toBe(202);
    const id = JSON.parse(after.body ?? '{}').results[0].id;
    // The taker-over searched the log, found nothing and wrote the event marked (idempotency.ts).
    expect((await readAll(env)).filter((e) => e.id === id)).toHaveLength(1);
  });

  it('finds the record a claimant wrote before it crashed and answers from it instead of writing again', async () => {
    // Prepare: a claimant with a 200 ms lease claims the key, PutRecords succeeds, then it dies before
    // `complete` (the window the stale-claim search closes).
    const request = publishRequest('crashed-after-put', 3);
    const [event] = prepareEvents(parseRequest(request), {
      catalog,
      registry: createSchemaRegistry(catalog),
      topic: 'orders',
      producer: 'storefront',
      now: () => new Date(),
    });
    if (!event?.idempotency) throw new Error('expected an idempotency claim');
    const crashed = createDynamoIdempotencyStore(env.dynamo, TABLE, { leaseMs: 200 });
    expect((await crashed.claim(event.idempotency)).kind).toBe('claimed');
    const put = await env.kinesis.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: [{ Data: event.bytes, PartitionKey: event.envelope.partitionkey }],
      }),
    );
    const first = put.Records?.[0];
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Act
    const retry = await ingress(request);
    const again = await ingress(request);
    // Assess
    expect(retry.statusCode).toBe(202);
    const expected = {
      id: event.envelope.id,
      shardId: first?.ShardId,
      sequenceNumber: first?.SequenceNumber,
      duplicate: true,
    };
    expect(JSON.parse(retry.body ?? '{}').results).toEqual([expected]);
    expect(JSON.parse(again.body ?? '{}').results).toEqual([expected]);
    expect(
      (await readAll(env)).filter((e) => e.id === event.envelope.id && e.resent === undefined),
    ).toHaveLength(1);
  });

  it('writes a batch of 500 events with ids and reads every one back in order per key', async () => {
    // Prepare
    const events = Array.from({ length: 500 }, (_, i) => ({
      specversion: '1.0',
      id: `batch-${i}`,
      source: '/it',
      type: 'OrderRequested',
      data: {
        orderId: `bo-${i % 7}`,
        customerId: 'c',
        items: [{ sku: 'A', quantity: 1 + (i % 5), unitPrice: i }],
      },
    }));
    // Act
    const result = await ingress(
      httpEvent({
        routeKey: 'POST /topics/{topic}/events',
        pathParameters: { topic: 'orders' },
        headers: { 'content-type': 'application/cloudevents-batch+json' },
        body: JSON.stringify(events),
        userArn: assumedRoleArn('storefront-role'),
      }),
    );
    // Assess
    expect(result.statusCode).toBe(202);
    // Unmarked only: a call aborted at 10 s on a loaded machine is re-sent marked (see the first test).
    const stored = (await readAll(env)).filter((e) => e.source === '/it' && e.resent === undefined);
    expect(stored).toHaveLength(500);
    const key3 = stored.filter((e) => e.partitionkey === 'bo-3').map((e) => e.id);
    expect(key3).toEqual(events.filter((e) => e.data.orderId === 'bo-3').map((e) => e.id));
  });
});
