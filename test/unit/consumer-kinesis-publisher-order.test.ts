import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createKinesisPublisher, type OutboxEntry, OutboxPublishError } from '../../shared/consumer';
import { envelopeOf } from '../fixtures/kinesis';

const entry = (n: number, key: string): OutboxEntry => ({
  sk: String(n).padStart(4, '0'),
  topic: 'milestones',
  envelope: {
    ...envelopeOf('MilestoneReached', { counter: key, total: n }, key, `m-${n}`),
    source: 'counter',
  },
  createdAt: 1,
  sourceKey: key,
});

/** A stream that rejects the first record it is ever sent (a partial answer) and stores the rest, in order. */
const flakyStream = () => {
  const client = new KinesisClient({ region: 'us-east-1', maxAttempts: 1 });
  const stored: string[] = [];
  const calls: string[][] = [];
  let rejected = false;
  mockClient(client)
    .on(PutRecordsCommand)
    .callsFake((input: PutRecordsCommandInput) => {
      const records = input.Records ?? [];
      const ids = records.map((r) => JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString()).id);
      calls.push(ids);
      return {
        FailedRecordCount: rejected ? 0 : 1,
        Records: ids.map((id, i) => {
          if (!rejected && i === 0) {
            rejected = true;
            return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' };
          }
          stored.push(id);
          return { ShardId: 'shardId-000000000000', SequenceNumber: String(stored.length) };
        }),
      };
    });
  return { client, stored, calls };
};

describe('Kinesis publisher: order per key within one publish', () => {
  it('never puts two entries of one key in one PutRecords call, so a rejected first one is not overtaken', async () => {
    const { client, stored, calls } = flakyStream();
    const publisher = createKinesisPublisher(client, () => 'milestones-stream');

    await publisher.publish([entry(1, 'a'), entry(2, 'b'), entry(3, 'a'), entry(4, 'a')]);

    expect(stored.filter((id) => ['m-1', 'm-3', 'm-4'].includes(id))).toEqual(['m-1', 'm-3', 'm-4']);
    for (const call of calls) {
      const keys = call.map((id) => (id === 'm-2' ? 'b' : 'a'));
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('after a key fails for good, keeps sending the later entries of the other keys, in order', async () => {
    const client = new KinesisClient({ region: 'us-east-1', maxAttempts: 1 });
    const stored: string[] = [];
    const calls: string[][] = [];
    mockClient(client)
      .on(PutRecordsCommand)
      .callsFake((input: PutRecordsCommandInput) => {
        const records = input.Records ?? [];
        calls.push(records.map((r) => r.PartitionKey ?? ''));
        const answers = records.map((r) => {
          // Key a is rejected on every attempt, the writer's retries included.
          if (r.PartitionKey === 'a') return { ErrorCode: 'InternalFailure', ErrorMessage: 'no' };
          stored.push(JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString()).id);
          return { ShardId: 'shardId-000000000000', SequenceNumber: String(stored.length) };
        });
        return { FailedRecordCount: answers.filter((a) => 'ErrorCode' in a).length, Records: answers };
      });
    const publisher = createKinesisPublisher(client, () => 'milestones-stream');

    const publishing = publisher.publish([
      entry(1, 'a'),
      entry(2, 'b'),
      entry(3, 'a'),
      entry(4, 'b'),
      entry(5, 'b'),
    ]);

    await expect(publishing).rejects.toEqual(new OutboxPublishError(2));
    expect(stored).toEqual(['m-2', 'm-4', 'm-5']);
    // a's second entry was never sent: its first is not in the log, and recovery publishes both in order.
    expect(calls.flat().filter((k) => k === 'a').length).toBeGreaterThan(0);
    expect(calls.slice(-2)).toEqual([['b'], ['b']]);
  });
});
