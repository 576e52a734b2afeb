import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LambdaHandler, silentLogger } from '../../local';
import { type EventSourceMappings, type OnFailureRecord, startEventSourceMappings } from '../../local/esm';
import { eventSourceMappingSettings } from '../../shared/catalog';
import { CONSUMER_TIMEOUT_SECONDS } from '../../shared/config';
import { handler as fixtureHandler } from '../fixtures/local/esm-handler';
import { esmCatalog, putJson, removeTempHomes, tempHome, waitFor } from '../fixtures/local/helpers';
import { invocationsOf } from '../fixtures/local/recorder';
import { type Emulators, startEmulators } from './helpers/emulators';

const catalog = esmCatalog([
  { topic: 'map-bisect', service: 'map-bisect', subscription: { batchSize: 8 } },
  { topic: 'map-nobisect', service: 'map-nobisect' },
  {
    topic: 'map-parallel',
    service: 'map-parallel',
    subscription: { batchSize: 4, parallelizationFactor: 4 },
  },
]);

/** The give-ups under test; the deployed settings (never give up) are the default for the rest. */
const overrides: Record<string, { maximumRetryAttempts: number; bisectBatchOnFunctionError: boolean }> = {
  'map-bisect': { maximumRetryAttempts: 1, bisectBatchOnFunctionError: true },
  'map-nobisect': { maximumRetryAttempts: 2, bisectBatchOnFunctionError: false },
};

/** Batches of the parallel mapping, with when they ran, to see overlap. */
const parallelCalls: { keys: string[]; ids: string[]; start: number; end: number }[] = [];
const slowHandler: LambdaHandler<KinesisStreamEvent> = async (event) => {
  const start = Date.now();
  await sleep(150);
  parallelCalls.push({
    keys: event.Records.map((r) => r.kinesis.partitionKey),
    ids: event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8')),
    start,
    end: Date.now(),
  });
  return { batchItemFailures: [] };
};

const okIds = (fn: string) =>
  invocationsOf(fn)
    .filter((i) => i.outcome === 'ok')
    .flatMap((i) => i.ids);

describe('local event source mapping: give-ups, on-failure metadata, parallelization', () => {
  const home = tempHome();
  const failuresFile = join(home, 'esm-failures.jsonl');
  let emulators: Emulators;
  let mappings: EventSourceMappings;

  const failures = (): OnFailureRecord[] => {
    try {
      return readFileSync(failuresFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    emulators = await startEmulators();
    for (const topic of catalog.topics) await emulators.createStream(topic.name, 1);
    mappings = startEventSourceMappings({
      catalog,
      handlers: new Map([
        ['map-bisect', fixtureHandler],
        ['map-nobisect', fixtureHandler],
        ['map-parallel', slowHandler],
      ]),
      kinesis: emulators.kinesis,
      esmDir: join(home, 'esm'),
      failuresFile,
      log: silentLogger,
      settingsFor: (service, subscription) => ({
        ...eventSourceMappingSettings(subscription),
        ...overrides[service.name],
      }),
    });
  });

  afterAll(async () => {
    await mappings?.stop();
    await emulators?.stop();
    removeTempHomes();
  });

  it('bisects to the poison record, and the on-failure message names its sequence number but carries no data', async () => {
    // Prepare
    const ids = ['g1', 'g2', 'g3', 'P', 'g5', 'g6', 'g7', 'g8'];
    // Act
    const put = await putJson(
      emulators.kinesis,
      'map-bisect',
      ids.map((id) => (id === 'P' ? { id, poison: true } : { id })),
    );
    await waitFor('bisect to finish', () => okIds('spine-map-bisect').includes('g8'), 60_000);
    // Assess
    expect(invocationsOf('spine-map-bisect').map((c) => c.ids.length)).toEqual([8, 4, 2, 2, 1, 1, 1, 4]);
    // Each invocation's context has the deployed consumer's timeout (its deadline bounds attempt marks).
    for (const { remainingMs } of invocationsOf('spine-map-bisect')) {
      expect(remainingMs).toBeLessThanOrEqual(CONSUMER_TIMEOUT_SECONDS * 1_000);
      expect(remainingMs).toBeGreaterThan(CONSUMER_TIMEOUT_SECONDS * 1_000 - 10_000);
    }
    expect(okIds('spine-map-bisect')).toEqual(['g1', 'g2', 'g3', 'g5', 'g6', 'g7', 'g8']);
    const poisonSeq = put[3]?.SequenceNumber;
    const mine = failures().filter((f) => f.requestContext.functionArn.endsWith(':spine-map-bisect'));
    expect(mine).toEqual([
      {
        requestContext: {
          requestId: expect.any(String),
          functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:spine-map-bisect',
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 2,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.any(String),
        KinesisBatchInfo: {
          shardId: put[3]?.ShardId,
          startSequenceNumber: poisonSeq,
          endSequenceNumber: poisonSeq,
          approximateArrivalOfFirstRecord: expect.any(String),
          approximateArrivalOfLastRecord: expect.any(String),
          batchSize: 1,
          streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/map-bisect',
        },
      },
    ]);
  });

  it('without bisect, retries the whole batch MaximumRetryAttempts times, then skips it and goes on', async () => {
    // Prepare
    const put = await putJson(emulators.kinesis, 'map-nobisect', [
      { id: 'n1' },
      { id: 'P2', poison: true },
      { id: 'n3' },
    ]);
    await waitFor(
      'discard',
      () => failures().some((f) => f.requestContext.functionArn.endsWith(':spine-map-nobisect')),
      60_000,
    );
    // Act
    await putJson(emulators.kinesis, 'map-nobisect', [{ id: 'n4' }]);
    await waitFor(
      'next record after the skipped batch',
      () => okIds('spine-map-nobisect').includes('n4'),
      60_000,
    );
    // Assess
    expect(invocationsOf('spine-map-nobisect').map((c) => [c.outcome, c.ids])).toEqual([
      ['threw', ['n1', 'P2', 'n3']],
      ['threw', ['n1', 'P2', 'n3']],
      ['threw', ['n1', 'P2', 'n3']],
      ['ok', ['n4']],
    ]);
    const info = failures().find((f) => f.requestContext.functionArn.endsWith(':spine-map-nobisect'));
    expect(info?.requestContext.approximateInvokeCount).toBe(3);
    expect(info?.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: put[0]?.SequenceNumber,
      endSequenceNumber: put[2]?.SequenceNumber,
      batchSize: 3,
    });
  });

  it('at ParallelizationFactor 4 runs several batches of one shard at once, one key in one batch at a time, in order', async () => {
    // Prepare
    const keys = Array.from({ length: 12 }, (_, k) => `key-${k}`);
    const records = [1, 2, 3, 4].flatMap((n) => keys.map((key) => ({ key, id: `${key}/${n}` })));
    // Act
    await emulators.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'map-parallel',
        Records: records.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.id) })),
      }),
    );
    await waitFor(
      'all parallel records',
      () => parallelCalls.flatMap((c) => c.ids).length >= records.length,
      60_000,
    );
    // Assess
    const overlapping = (a: (typeof parallelCalls)[number], b: (typeof parallelCalls)[number]) =>
      a !== b && a.start < b.end && b.start < a.end;
    expect(parallelCalls.some((a) => parallelCalls.some((b) => overlapping(a, b)))).toBe(true);
    expect(Math.max(...parallelCalls.map((c) => c.ids.length))).toBeLessThanOrEqual(4);
    for (const a of parallelCalls)
      for (const b of parallelCalls.filter((c) => overlapping(a, c)))
        expect(a.keys.filter((k) => b.keys.includes(k))).toEqual([]);
    const delivered = parallelCalls.flatMap((c) => c.ids);
    expect([...delivered].sort()).toEqual(records.map((r) => r.id).sort());
    for (const key of keys) {
      const order = delivered.filter((id) => id.startsWith(`${key}/`));
      expect(order).toEqual([1, 2, 3, 4].map((n) => `${key}/${n}`));
    }
  });
});
