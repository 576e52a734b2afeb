import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { catalog } from '../../catalog';
import { streamEnvVar } from '../../shared/config';
import { encodeEnvelope } from '../../shared/envelope';
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
import { type Emulators, emulatorClient, startEmulators } from './helpers/emulators';
import { readLog } from './helpers/log-copies';

const STREAM = 'lost-orders';
const BUSY = 'lost-busy';
const TABLE = 'lost-idempotency';

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
    kinesis = new KinesisClient(emulatorClient(env.kinesisEndpoint));
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
    const stored = (await readLog(kinesis, STREAM)).filter((r) => r.id.startsWith('evt-once-'));
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
    const before = (await readLog(kinesis, STREAM)).filter((r) => r.id.startsWith('evt-blind-'));
    const retry = await ingress(publish(events));
    const after = (await readLog(kinesis, STREAM)).filter((r) => r.id.startsWith('evt-blind-'));
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
    let lastWriteAt = 0;
    /**
     * Writes to the busy shard, each call arriving in a later millisecond than the one before: kinesis-mock's
     * MillisBehindLatest is the shard's last arrival stamp less the page's last, in whole ms, so a page
     * short of the tip would read as the tip if both arrived in the same ms (Kinesis answers > 0 there).
     * The wait is for the clock to pass the previous answer, at most a millisecond.
     */
    const writeBusy = async (records: readonly { id: string; data?: Uint8Array }[]) => {
      const after = lastWriteAt;
      await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(after), { timeout: 10_000, interval: 1 });
      const entries = records.map(({ id, data }) => ({
        PartitionKey: 'busy',
        Data: data ?? Buffer.from(JSON.stringify({ specversion: '1.0', id, source: '/loop', type: 'Noise' })),
      }));
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: BUSY, Records: entries }));
      lastWriteAt = Date.now();
      if (out.FailedRecordCount) throw new Error(`busy shard refused ${out.FailedRecordCount} records`);
      return out.Records ?? [];
    };

    /**
     * A reader of the busy shard: one more record is written before each of its GetRecords, as a producer
     * loop would, and with `pageSize` each page holds at most that many records (Kinesis pages at 10,000
     * records or 10 MiB), so records waiting in the shard take several pages. `pages` holds the sequence
     * numbers each GetRecords answered, in order.
     */
    const busyReader = (pageSize?: number) => {
      const reader = new KinesisClient(emulatorClient(env.kinesisEndpoint));
      const pages: string[][] = [];
      reader.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName !== 'GetRecordsCommand') return next(args);
          await writeBusy([{ id: `noise-${pages.length}` }]);
          const result = await next(pageSize ? { ...args, input: { ...args.input, Limit: pageSize } } : args);
          const records: readonly { SequenceNumber?: string }[] =
            'Records' in result.output && Array.isArray(result.output.Records) ? result.output.Records : [];
          pages.push(records.flatMap((r) => (r.SequenceNumber ? [r.SequenceNumber] : [])));
          return result;
        },
        { step: 'initialize', name: 'busyWriter' },
      );
      return { reader, pages };
    };

    it('decides at the tip: finds an event written before it began but past its first page, proves an absent one absent', async () => {
      // Prepare: 8 records, then the event, all before the search; pages of 4 put the event on the third.
      const since = Date.now();
      await writeBusy(Array.from({ length: 8 }, (_, i) => ({ id: `before-${i}` })));
      const data = encodeEnvelope(envelopeOf('OrderRequested', { orderId: 'w' }, 'busy', 'wanted-1'));
      const [written] = await writeBusy([{ id: 'wanted-1', data }]);
      if (!written?.SequenceNumber || !written.ShardId) throw new Error('the event was not written');
      const { reader, pages } = busyReader(4);
      // Act: the arrival-stamp backstop is put out of reach, so only the tip can end the search in its budget.
      const search = findEventsInLog(
        reader,
        BUSY,
        [
          { eventId: 'wanted-1', partitionKey: 'busy' },
          { eventId: 'never-written', partitionKey: 'busy' },
        ],
        since,
        { deadline: Date.now() + 120_000, arrivalMarginMs: 3_600_000 },
      );
      const found = await search.finally(() => reader.destroy());
      // Assess: decided (no LogSearchIncompleteError), with the event that was not on the first page.
      expect(pages[0]).toBeDefined();
      expect(pages[0]).not.toContain(written.SequenceNumber);
      expect(found).toEqual(
        new Map([['wanted-1', { shardId: written.ShardId, sequenceNumber: written.SequenceNumber }]]),
      );
    });

    it('throws LogSearchIncompleteError instead of answering "absent" when its deadline comes first', async () => {
      // Prepare: a record waiting and pages of one, so the reader never catches up with the loop's writes:
      // the tip never comes and the arrival-stamp backstop is out of reach; only the deadline ends it.
      const since = Date.now();
      await writeBusy([{ id: 'waiting' }]);
      const { reader } = busyReader(1);
      // Act
      const search = findEventsInLog(
        reader,
        BUSY,
        [{ eventId: 'never-written', partitionKey: 'busy' }],
        since,
        {
          deadline: Date.now() + 5_000,
          arrivalMarginMs: 3_600_000,
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
