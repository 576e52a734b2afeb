import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import { streamEnvVar } from '../../shared/config';
import { decodeEnvelope, encodeEnvelope, resentSinceOfBytes } from '../../shared/envelope';
import {
  createDynamoIdempotencyStore,
  createIngress,
  findEventsInLog,
  type IngressHandler,
  isLogSearchIncompleteError,
  loadIngressConfig,
} from '../../shared/ingress';
import { createSchemaRegistry } from '../../shared/schemas';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { envelopeOf } from '../fixtures/kinesis';
import { loseResponses } from '../fixtures/lost-response';
import { EMULATOR_HTTP, type Emulators, startEmulators, TEST_AWS } from './helpers/emulators';

const STREAM = 'lost-orders';
const BUSY = 'lost-busy';
const TABLE = 'lost-idempotency';

interface StoredRecord {
  readonly id: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly marked: boolean;
}

const ce = (orderId: string) => ({
  specversion: '1.0',
  id: `evt-${orderId}`,
  source: '/shop',
  type: 'OrderRequested',
  data: { orderId, customerId: 'c-1', items: [{ sku: 'A', quantity: 1, unitPrice: 1 }] },
});

const publish = (events: readonly unknown[]) =>
  httpEvent({
    routeKey: 'POST /topics/{topic}/events',
    pathParameters: { topic: 'orders' },
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify(events),
    userArn: assumedRoleArn('storefront-role'),
  });

const bodyOf = (answer: { body?: string | undefined }): Record<string, unknown> =>
  JSON.parse(answer.body ?? '{}') as Record<string, unknown>;

const readAll = async (client: KinesisClient, stream: string): Promise<StoredRecord[]> => {
  const out: StoredRecord[] = [];
  for (const shard of (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const page = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
    for (const r of page.Records ?? [])
      if (r.Data && r.SequenceNumber)
        out.push({
          id: decodeEnvelope(r.Data).id,
          shardId: shard.ShardId ?? '',
          sequenceNumber: r.SequenceNumber,
          marked: resentSinceOfBytes(r.Data) !== undefined,
        });
  }
  return out;
};

describe('ingress when Kinesis stores a PutRecords but its answer is lost', () => {
  let env: Emulators;
  /** The ingress's own Kinesis client, with the SDK's default retries (3 attempts), so faults stay local. */
  let kinesis: KinesisClient;
  let ingress: IngressHandler;

  beforeAll(async () => {
    env = await startEmulators();
    await Promise.all([
      env.createStream(STREAM),
      env.createStream(BUSY, 1),
      env.createIdempotencyTable(TABLE),
    ]);
    kinesis = new KinesisClient({
      ...TEST_AWS,
      endpoint: env.kinesisEndpoint,
      requestHandler: new NodeHttpHandler(EMULATOR_HTTP),
    });
    const config = loadIngressConfig(catalog, {
      ...Object.fromEntries(catalog.topics.map((t) => [streamEnvVar(t.name), `lost-${t.name}`])),
      SPINE_STREAM_ORDERS: STREAM,
      SPINE_TABLE_IDEMPOTENCY: TABLE,
      SPINE_PRODUCER_PRINCIPALS: JSON.stringify({ 'storefront-role': 'storefront' }),
    });
    ingress = createIngress({
      catalog,
      registry: createSchemaRegistry(catalog),
      config,
      kinesis,
      dynamo: env.dynamo,
      store: createDynamoIdempotencyStore(env.dynamo, config.idempotencyTable),
      writer: { retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50 } },
      log: () => undefined,
    });
  });

  afterAll(async () => {
    kinesis?.destroy();
    await env?.stop();
  });

  it('a PutRecords whose response is lost after Kinesis stored it: the original and one MARKED copy, the 202 names one', async () => {
    // Prepare: 20 events; the first PutRecords answer is lost after kinesis-mock stored the call.
    const events = Array.from({ length: 20 }, (_, i) => ce(`once-${i}`));
    const lost = loseResponses(kinesis, { commands: ['PutRecordsCommand'], times: 1 });
    // Act
    let answer: Awaited<ReturnType<IngressHandler>>;
    try {
      answer = await ingress(publish(events));
    } finally {
      lost.restore();
    }
    // Assess
    expect(lost.lost()).toBe(1);
    expect(answer.statusCode).toBe(202);
    const results = bodyOf(answer).results as { id: string; shardId: string; sequenceNumber: string }[];
    const stored = (await readAll(kinesis, STREAM)).filter((r) => r.id.startsWith('evt-once-'));
    for (const event of events) {
      const copies = stored.filter((r) => r.id === event.id);
      // Never two unmarked copies: the SDK did not re-send the call blind, the writer re-sent it marked.
      expect(copies.map((c) => c.marked).sort()).toEqual([false, true]);
      const result = results.find((r) => r.id === event.id);
      expect(copies.some((c) => c.sequenceNumber === result?.sequenceNumber)).toBe(true);
    }
  });

  it('every PutRecords answer lost: never "not written"; the retry with the same keys adds no unmarked copy', async () => {
    // Prepare: every answer is lost, so every attempt stores a copy the ingress cannot see.
    const events = Array.from({ length: 5 }, (_, i) => ce(`blind-${i}`));
    const lost = loseResponses(kinesis, { commands: ['PutRecordsCommand'], times: Number.POSITIVE_INFINITY });
    // Act
    let refused: Awaited<ReturnType<IngressHandler>>;
    try {
      refused = await ingress(publish(events));
    } finally {
      lost.restore();
    }
    const before = (await readAll(kinesis, STREAM)).filter((r) => r.id.startsWith('evt-blind-'));
    const retry = await ingress(publish(events));
    const after = (await readAll(kinesis, STREAM)).filter((r) => r.id.startsWith('evt-blind-'));
    // Assess
    expect(refused.statusCode).toBe(503);
    const body = bodyOf(refused);
    expect(body.message).toMatch(/unknown outcome.*same idempotency keys is safe/);
    expect(body.errors).toEqual(
      events.map((_, index) => ({
        index,
        path: '',
        message: 'outcome unknown: the event may be in the log',
      })),
    );
    expect(refused.body).not.toContain('not written');
    for (const event of events) expect(before.filter((r) => r.id === event.id && !r.marked)).toHaveLength(1);
    expect(retry.statusCode).toBe(202);
    const results = bodyOf(retry).results as { id: string; sequenceNumber: string; duplicate: boolean }[];
    expect(results.every((r) => r.duplicate)).toBe(true);
    expect(after).toHaveLength(before.length);
    for (const r of results)
      expect(after.some((s) => s.sequenceNumber === r.sequenceNumber && s.id === r.id)).toBe(true);
  });

  describe('findEventsInLog on a shard that gets a record on every poll', () => {
    /** Writes one record to the busy shard before every GetRecords of `reader`, as a producer loop would. */
    const busyReader = () => {
      const reader = new KinesisClient({
        ...TEST_AWS,
        endpoint: env.kinesisEndpoint,
        requestHandler: new NodeHttpHandler(EMULATOR_HTTP),
      });
      let writes = 0;
      reader.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'GetRecordsCommand') {
            writes += 1;
            const noise = { specversion: '1.0', id: `noise-${writes}`, source: '/loop', type: 'Noise' };
            await kinesis.send(
              new PutRecordCommand({
                StreamName: BUSY,
                PartitionKey: 'busy',
                Data: Buffer.from(JSON.stringify(noise)),
              }),
            );
          }
          return next(args);
        },
        { step: 'initialize', name: 'busyWriter' },
      );
      return { reader, writes: () => writes };
    };

    it('decides: finds a present event and proves an absent one absent before its deadline', async () => {
      // Prepare
      const since = Date.now();
      const target = encodeEnvelope(envelopeOf('OrderRequested', { orderId: 'w' }, 'busy', 'wanted-1'));
      await kinesis.send(
        new PutRecordCommand({
          StreamName: BUSY,
          PartitionKey: 'busy',
          Data: target,
        }),
      );
      const { reader, writes } = busyReader();
      // Act
      const found = await findEventsInLog(
        reader,
        BUSY,
        [
          { eventId: 'wanted-1', partitionKey: 'busy' },
          { eventId: 'never-written', partitionKey: 'busy' },
        ],
        since,
        { deadline: Date.now() + 60_000 },
      );
      reader.destroy();
      // Assess: it ended on a record that arrived after it started (default margin 2 s), never on an empty page.
      expect([...found.keys()]).toEqual(['wanted-1']);
      expect(writes()).toBeGreaterThan(1);
    });

    it('throws LogSearchIncompleteError instead of answering "absent" when its deadline comes first', async () => {
      // Prepare
      const { reader } = busyReader();
      const since = Date.now() - 1_000;
      // Act
      const search = findEventsInLog(
        reader,
        BUSY,
        [{ eventId: 'never-written', partitionKey: 'busy' }],
        since,
        {
          deadline: Date.now() + 200,
          arrivalMarginMs: 60_000,
        },
      );
      // Assess
      const error = await search.then(
        () => undefined,
        (e: unknown) => e,
      );
      reader.destroy();
      expect(isLogSearchIncompleteError(error)).toBe(true);
    });
  });
});
