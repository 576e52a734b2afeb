import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { type PreparedEvent, publishEvents } from '../../shared/ingress';
import { HOUR, LEASE_MS, logKeyEvent, mockedIngress, SHARD } from './ingress-log-fixtures';
import { refusal } from './ingress-support';

/** An event with a 168 h key on a topic kept 168 h: the claim is the key's only write. */
const prepared = (index: number): PreparedEvent => logKeyEvent(index, 168, 168);

describe('publishEvents when the retention check after a search fails', () => {
  // `refuseTrimmed` runs after a search that read its whole stretch; DescribeStreamSummary failing there
  // (throttled: an account-wide limit) throws the SDK's error, not `LogSearchIncompleteError`, so
  // `recoverTakenOver` keeps the claim's OLD progress and the next retry reads the whole stretch again.
  it('keeps where the finished read stopped, so the next retry resumes after it', async () => {
    // Prepare: a key first claimed 30 h ago whose claimant died unseen (nothing in the log).
    const { clock, mock, store, deps } = mockedIngress(Date.now() - 30 * HOUR);
    const claimedAt = clock.at;
    const event = prepared(1);
    const other = prepared(2);
    const request = event.idempotency;
    if (!request) throw new Error('the event has a key');
    await store.claim(request);
    clock.at = Date.now();
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({
      Records: [
        {
          SequenceNumber: '42',
          PartitionKey: other.envelope.partitionkey,
          Data: other.bytes,
          ApproximateArrivalTimestamp: new Date(claimedAt + LEASE_MS + 31_000),
        },
      ],
      NextShardIterator: 'it-2',
      MillisBehindLatest: 30 * HOUR,
    });
    mock
      .on(DescribeStreamSummaryCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' }));
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '900' }] });
    // Act: one retry whose check fails, then the next.
    const first = await refusal(publishEvents(deps, 'orders', [event]));
    clock.at += 2_000;
    await publishEvents(deps, 'orders', [event]).catch(() => undefined);
    // Assess: the second search resumes after the record the first one read.
    const iterators = mock.commandCalls(GetShardIteratorCommand).map((c) => c.args[0].input);
    expect(first.status).toBe(503);
    expect(iterators[1]).toMatchObject({
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: '42',
    });
  });
});
