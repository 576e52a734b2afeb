import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { classifyResponse, type DeliveryPolicy, deliver } from '../../local/esm';

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
  policy: DeliveryPolicy,
  respond: (seqs: string[]) => unknown,
) => {
  const log: string[] = [];
  const result = await deliver(records, policy, {
    invoke: async (batch) => {
      const seqs = batch.map((r) => r.kinesis.sequenceNumber);
      log.push(`invoke ${seqs.join(',')}`);
      return respond(seqs);
    },
    checkpoint: (seq) => {
      log.push(`checkpoint ${seq}`);
    },
    discard: (batch, reason) => {
      log.push(`discard ${batch.map((r) => r.kinesis.sequenceNumber).join(',')} (${reason.split(' ')[0]})`);
    },
    isStopping: () => false,
    pause: async () => {},
  });
  return { result, log };
};

describe('deliver (local ESM error handling)', () => {
  it('discards records older than maxRecordAgeSeconds without invoking for them', async () => {
    // Act
    const { log } = await run(
      [record('1', 120), record('2')],
      { maxAttempts: 1, bisectOnError: false, maxRecordAgeSeconds: 60 },
      () => undefined,
    );
    // Assess
    expect(log).toEqual(['discard 1 (older)', 'invoke 2', 'checkpoint 2']);
  });

  it('counts partial failures as attempts and discards the failed tail when they run out', async () => {
    // Act
    const { log } = await run(
      [record('1'), record('2'), record('3')],
      { maxAttempts: 2, bisectOnError: true },
      (seqs) => ({
        batchItemFailures: seqs.includes('2') ? [{ itemIdentifier: '2' }] : [],
      }),
    );
    // Assess
    expect(log).toEqual([
      'invoke 1,2,3',
      'checkpoint 1',
      'invoke 2,3',
      'discard 2,3 (retries)',
      'checkpoint 3',
    ]);
  });

  it('abandons without checkpointing when stop is requested', async () => {
    // Prepare
    let stopping = false;
    const checkpoints: string[] = [];
    // Act
    const result = await deliver(
      [record('1')],
      { maxAttempts: 5, bisectOnError: false },
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
