import { setTimeout as sleep } from 'node:timers/promises';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backbone, silentLogger, startBackbone } from '../../local';
import {
  esmCatalog,
  kinesisAt,
  putJson,
  ROOT,
  removeTempHomes,
  tempHome,
  waitFor,
} from '../fixtures/local/helpers';
import { invocationsOf } from '../fixtures/local/recorder';

const WINDOW_S = 6;

const catalog = esmCatalog([
  { topic: 'esm-batch', service: 'esm-batch', subscription: { batchSize: 3 } },
  // The second record must land inside the window: 2 s left 1.4 s for one PutRecords after a 600 ms
  // pause, which a loaded machine can spend. 6 s leaves 5.4 s.
  { topic: 'esm-window', service: 'esm-window', subscription: { batchingWindowSeconds: WINDOW_S } },
  // A window far past any delivery delay, so "did not wait" cannot be confused with "was slow".
  { topic: 'esm-full', service: 'esm-full', subscription: { batchSize: 2, batchingWindowSeconds: 60 } },
  { topic: 'esm-partial', service: 'esm-partial' },
  { topic: 'esm-badid', service: 'esm-badid' },
]);

const start = (home: string) =>
  startBackbone({
    catalog,
    root: ROOT,
    home,
    ports: { ingress: 0, kinesis: 0, dynamodb: 0 },
    log: silentLogger,
    ingressHandler: async () => ({ statusCode: 204 }),
  });

const okIds = (fn: string) =>
  invocationsOf(fn)
    .filter((i) => i.outcome === 'ok')
    .flatMap((i) => i.ids);

describe('local event source mapping emulation', () => {
  const home = tempHome();
  let backbone: Backbone;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    backbone = await start(home);
    kinesis = kinesisAt(backbone.endpoints.kinesis);
  });

  afterAll(async () => {
    kinesis?.destroy();
    await backbone?.stop();
    removeTempHomes();
  });

  it('delivers batches no larger than batchSize, in shard order, shaped as Lambda builds them', async () => {
    // Prepare
    const before = Date.now() / 1000;
    const ids = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'];
    // Act
    const put = await putJson(
      kinesis,
      'esm-batch',
      ids.map((id) => ({ id })),
    );
    await waitFor('7 records delivered', () => okIds('spine-esm-batch').length >= 7);
    // Assess
    const calls = invocationsOf('spine-esm-batch');
    expect(calls.map((c) => c.ids.length)).toEqual([3, 3, 1]);
    expect(okIds('spine-esm-batch')).toEqual(ids);
    const first = calls[0]?.event.Records[0];
    expect(first).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'k',
        sequenceNumber: put[0]?.SequenceNumber,
        data: Buffer.from(JSON.stringify({ id: 'b1' })).toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${put[0]?.ShardId}:${put[0]?.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/spine-esm-batch',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/esm-batch',
    });
    const arrival = first?.kinesis.approximateArrivalTimestamp ?? 0;
    expect(arrival).toBeGreaterThan(before - 5);
    expect(arrival).toBeLessThan(Date.now() / 1000 + 5);
  });

  it('waits up to the batching window to gather a batch', async () => {
    // Prepare
    const firstPut = Date.now();
    await putJson(kinesis, 'esm-window', [{ id: 'w1' }]);
    await sleep(600);
    // Act
    await putJson(kinesis, 'esm-window', [{ id: 'w2' }]);
    await waitFor('window batch', () => okIds('spine-esm-window').length >= 2);
    // Assess
    const calls = invocationsOf('spine-esm-window');
    expect(calls.map((c) => c.ids)).toEqual([['w1', 'w2']]);
    // The window counts from the read that found w1, which may have been sent just before the put.
    expect(calls[0]?.at).toBeGreaterThanOrEqual(firstPut + WINDOW_S * 1_000 - 1_000);
  });

  it('does not wait for the window when the batch is full', async () => {
    // Prepare
    const putAt = Date.now();
    // Act
    await putJson(kinesis, 'esm-full', [{ id: 'f1' }, { id: 'f2' }]);
    await waitFor('full batch', () => okIds('spine-esm-full').length >= 2);
    // Assess
    const calls = invocationsOf('spine-esm-full');
    expect(calls.map((c) => c.ids)).toEqual([['f1', 'f2']]);
    expect((calls[0]?.at ?? Number.POSITIVE_INFINITY) - putAt).toBeLessThan(30_000);
  });

  it('retries from the lowest failed item after a partial batch response', async () => {
    // Act
    await putJson(kinesis, 'esm-partial', [
      { id: 'p1' },
      { id: 'p2' },
      { id: 'p3', failTimes: 1 },
      { id: 'p4' },
      { id: 'p5' },
    ]);
    await waitFor('partial retry', () => invocationsOf('spine-esm-partial').some((c) => c.outcome === 'ok'));
    // Assess
    const calls = invocationsOf('spine-esm-partial');
    expect(calls.map((c) => [c.outcome, c.ids])).toEqual([
      ['partial', ['p1', 'p2', 'p3', 'p4', 'p5']],
      ['ok', ['p3', 'p4', 'p5']],
    ]);
  });

  it('treats an itemIdentifier that is not in the batch as a whole-batch failure', async () => {
    // Act
    await putJson(kinesis, 'esm-badid', [{ id: 'x1' }, { id: 'x2', badIdTimes: 1 }, { id: 'x3' }]);
    await waitFor('bad id retry', () => invocationsOf('spine-esm-badid').some((c) => c.outcome === 'ok'));
    // Assess
    expect(invocationsOf('spine-esm-badid').map((c) => [c.outcome, c.ids])).toEqual([
      ['bad-id', ['x1', 'x2', 'x3']],
      ['ok', ['x1', 'x2', 'x3']],
    ]);
  });

  it('resumes from its saved position after a restart without redelivering', async () => {
    // Prepare
    await backbone.stop();
    kinesis.destroy();
    const seenBefore = invocationsOf('spine-esm-batch').length;
    backbone = await start(home);
    kinesis = kinesisAt(backbone.endpoints.kinesis);
    // Act
    await putJson(kinesis, 'esm-batch', [{ id: 'after-restart' }]);
    await waitFor('record after restart', () => okIds('spine-esm-batch').includes('after-restart'));
    await sleep(500);
    // Assess
    expect(
      invocationsOf('spine-esm-batch')
        .slice(seenBefore)
        .map((c) => c.ids),
    ).toEqual([['after-restart']]);
  });
});
