import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  classifyResponse,
  type DeliveryPolicy,
  type DiscardInfo,
  deliver,
  laneBatches,
  laneOf,
  onFailureRecord,
  ShardWatermark,
} from '../../local/esm';

const record = (seq: string, ageSeconds = 0): KinesisStreamRecord => ({
  kinesis: {
    kinesisSchemaVersion: '1.0',
    partitionKey: 'k',
    sequenceNumber: seq,
    data: '',
    approximateArrivalTimestamp: Date.now() / 1000 - ageSeconds,
  },
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventID: `shardId-000000000000:${seq}`,
  eventName: 'aws:kinesis:record',
  invokeIdentityArn: 'arn:aws:iam::000000000000:role/spine-test',
  awsRegion: 'us-east-1',
  eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
});

/** Runs `deliver` with in-memory hooks and returns what happened, in order. */
const run = async (
  records: KinesisStreamRecord[],
  policy: Partial<DeliveryPolicy>,
  respond: (seqs: string[]) => unknown,
) => {
  const log: string[] = [];
  const discards: DiscardInfo[] = [];
  const result = await deliver(
    records,
    { maximumRetryAttempts: -1, maximumRecordAgeInSeconds: -1, bisectBatchOnFunctionError: false, ...policy },
    {
      invoke: async (batch) => {
        const seqs = batch.map((r) => r.kinesis.sequenceNumber);
        log.push(`invoke ${seqs.join(',')}`);
        return respond(seqs);
      },
      checkpoint: (seq) => {
        log.push(`checkpoint ${seq}`);
      },
      discard: (batch, info) => {
        discards.push(info);
        log.push(`discard ${batch.map((r) => r.kinesis.sequenceNumber).join(',')} (${info.condition})`);
      },
      isStopping: () => false,
      pause: async () => {},
    },
  );
  return { result, log, discards };
};

const poison = (bad: string) => (seqs: string[]) => {
  if (seqs.includes(bad)) throw new Error('poison');
  return undefined;
};

describe('deliver (local ESM error handling)', () => {
  it('discards records older than MaximumRecordAgeInSeconds without invoking for them', async () => {
    // Act
    const { log } = await run(
      [record('1', 120), record('2')],
      { maximumRecordAgeInSeconds: 60 },
      () => undefined,
    );
    // Assess
    expect(log).toEqual(['discard 1 (RecordAgeExceeded)', 'invoke 2', 'checkpoint 2']);
  });

  it('never discards for age at MaximumRecordAgeInSeconds -1', async () => {
    // Act
    const { log } = await run([record('1', 10 * 24 * 3600)], {}, () => undefined);
    // Assess
    expect(log).toEqual(['invoke 1', 'checkpoint 1']);
  });

  it('counts partial failures as retries and discards the failed tail after MaximumRetryAttempts retries', async () => {
    // Act
    const { log, discards } = await run(
      [record('1'), record('2'), record('3')],
      { maximumRetryAttempts: 1 },
      (seqs) => ({
        batchItemFailures: seqs.includes('2') ? [{ itemIdentifier: '2' }] : [],
      }),
    );
    // Assess
    expect(log).toEqual([
      'invoke 1,2,3',
      'checkpoint 1',
      'invoke 2,3',
      'discard 2,3 (RetryAttemptsExhausted)',
      'checkpoint 3',
    ]);
    expect(discards).toEqual([
      {
        condition: 'RetryAttemptsExhausted',
        invokeCount: 2,
        reason: expect.stringContaining('batch item failure'),
      },
    ]);
  });

  it('retries for ever at MaximumRetryAttempts -1, until the batch succeeds', async () => {
    // Prepare
    let failuresLeft = 25;
    // Act
    const { log, discards } = await run([record('1')], {}, () => {
      if (failuresLeft-- > 0) throw new Error('not yet');
      return undefined;
    });
    // Assess
    expect(log.filter((l) => l === 'invoke 1')).toHaveLength(26);
    expect(log.at(-1)).toBe('checkpoint 1');
    expect(discards).toEqual([]);
  });

  it('bisects without using up retries, so a poison record is isolated even at MaximumRetryAttempts 0', async () => {
    // Act
    const { log, discards } = await run(
      [record('1'), record('2'), record('P'), record('4')],
      { maximumRetryAttempts: 0, bisectBatchOnFunctionError: true },
      poison('P'),
    );
    // Assess
    expect(log).toEqual([
      'invoke 1,2,P,4',
      'invoke 1,2',
      'checkpoint 2',
      'invoke P,4',
      'invoke P',
      'discard P (RetryAttemptsExhausted)',
      'checkpoint P',
      'invoke 4',
      'checkpoint 4',
    ]);
    expect(discards[0]).toMatchObject({ invokeCount: 1, functionError: 'Unhandled' });
  });

  it('without bisect, retries the whole batch MaximumRetryAttempts times, then discards it', async () => {
    // Act
    const { log } = await run([record('1'), record('P')], { maximumRetryAttempts: 2 }, poison('P'));
    // Assess
    expect(log).toEqual([
      'invoke 1,P',
      'invoke 1,P',
      'invoke 1,P',
      'discard 1,P (RetryAttemptsExhausted)',
      'checkpoint P',
    ]);
  });

  it('with bisect on, retries a partial failure from the failed record instead of splitting', async () => {
    // Prepare
    let failed = false;
    // Act
    const { log } = await run(
      [record('1'), record('2'), record('3'), record('4')],
      { maximumRetryAttempts: 3, bisectBatchOnFunctionError: true },
      () => {
        if (failed) return undefined;
        failed = true;
        return { batchItemFailures: [{ itemIdentifier: '2' }] };
      },
    );
    // Assess
    expect(log).toEqual(['invoke 1,2,3,4', 'checkpoint 1', 'invoke 2,3,4', 'checkpoint 4']);
  });

  it('abandons without checkpointing when stop is requested', async () => {
    // Prepare
    let stopping = false;
    const checkpoints: string[] = [];
    // Act
    const result = await deliver(
      [record('1')],
      { maximumRetryAttempts: 5, maximumRecordAgeInSeconds: -1, bisectBatchOnFunctionError: false },
      {
        invoke: async () => {
          stopping = true;
          throw new Error('fails');
        },
        checkpoint: (seq) => {
          checkpoints.push(seq);
        },
        discard: () => {},
        isStopping: () => stopping,
        pause: async () => {},
      },
    );
    // Assess
    expect(result).toBe('abandoned');
    expect(checkpoints).toEqual([]);
  });
});

describe('onFailureRecord', () => {
  const arrivalIso = (r: KinesisStreamRecord | undefined) =>
    new Date((r?.kinesis.approximateArrivalTimestamp ?? 0) * 1000).toISOString();

  it('holds the shard and sequence range of the discarded records, never their data', () => {
    // Prepare
    const records = [record('100', 30), record('101', 20), record('102', 10)];
    const now = new Date('2026-11-26T03:00:00.000Z');
    // Act
    const message = onFailureRecord(
      {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:spine-test',
        shardId: 'shardId-000000000003',
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
      },
      records,
      { condition: 'RetryAttemptsExhausted', invokeCount: 4, functionError: 'Unhandled', reason: 'threw' },
      now,
    );
    // Assess
    expect(message).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:spine-test',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-26T03:00:00.000Z',
      KinesisBatchInfo: {
        shardId: 'shardId-000000000003',
        startSequenceNumber: '100',
        endSequenceNumber: '102',
        approximateArrivalOfFirstRecord: arrivalIso(records[0]),
        approximateArrivalOfLastRecord: arrivalIso(records[2]),
        batchSize: 3,
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
      },
    });
  });
});

describe('laneBatches and ShardWatermark (ParallelizationFactor)', () => {
  const keyed = (seq: string, key: string) => ({
    ...record(seq),
    kinesis: { ...record(seq).kinesis, partitionKey: key },
  });
  const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  const records = keys.flatMap((key, k) => [1, 2, 3].map((n) => keyed(String(100 + n * 10 + k), key)));
  records.sort((x, y) => Number(x.kinesis.sequenceNumber) - Number(y.kinesis.sequenceNumber));

  it('puts each key in exactly one lane, in shard order, in batches of at most batchSize', () => {
    // Act
    const lanes = laneBatches(records, 4, 2);
    // Assess
    expect(lanes.length).toBeGreaterThan(1);
    expect(lanes.length).toBeLessThanOrEqual(4);
    const laneOfKey = new Map<string, number>();
    lanes.forEach((batches, lane) => {
      for (const batch of batches) {
        expect(batch.length).toBeLessThanOrEqual(2);
        for (const r of batch) {
          expect(laneOfKey.get(r.kinesis.partitionKey) ?? lane).toBe(lane);
          laneOfKey.set(r.kinesis.partitionKey, lane);
        }
      }
      const seqs = batches.flat().map((r) => Number(r.kinesis.sequenceNumber));
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    });
    expect(lanes.flat(2)).toHaveLength(records.length);
  });

  it('keeps all records in one lane at factor 1', () => {
    // Act
    const lanes = laneBatches(records, 1, 100);
    // Assess
    expect(lanes).toEqual([[records]]);
  });

  it('moves the shard checkpoint only past records every lane has finished', () => {
    // Prepare
    const [first, second, third] = [keyed('1', 'b'), keyed('2', 'a'), keyed('3', 'a')];
    const lanes = laneOf('a', 4) === laneOf('b', 4) ? undefined : 4;
    if (lanes === undefined) throw new Error('test keys share a lane; pick others');
    const watermark = new ShardWatermark([first, second, third], lanes);
    // Act
    const afterA = watermark.complete('3');
    const afterB = watermark.complete('1');
    // Assess
    expect([afterA, afterB]).toEqual([undefined, '3']);
  });
});

describe('classifyResponse', () => {
  const batch = [record('10'), record('11'), record('12')];

  it.each([
    ['no response', undefined, { ok: true }],
    ['empty list', { batchItemFailures: [] }, { ok: true }],
    ['null list', { batchItemFailures: null }, { ok: true }],
    [
      'lowest of several failures',
      { batchItemFailures: [{ itemIdentifier: '12' }, { itemIdentifier: '11' }] },
      { ok: false, failedFrom: 1, whole: false },
    ],
    [
      'unknown identifier',
      { batchItemFailures: [{ itemIdentifier: '99' }] },
      { ok: false, failedFrom: 0, whole: true },
    ],
    [
      'empty identifier',
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { ok: false, failedFrom: 0, whole: true },
    ],
    ['not a list', { batchItemFailures: 'x' }, { ok: false, failedFrom: 0, whole: true }],
  ])('%s', (_name, response, expected) => {
    expect(classifyResponse(batch, response)).toMatchObject(expected);
  });
});
