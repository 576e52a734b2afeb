import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { publishEvents } from '../../shared/ingress';
import { HOUR, LEASE_MS, logKeyEvent, mockedIngress, SHARD } from './ingress-log-fixtures';
import { refusal } from './ingress-support';

const KEYS = 50;

describe('publishEvents retrying a whole acknowledged request after the lease', () => {
  // The commonest failure, a lost 202, now leaves every key of the request pending (no completion write).
  // A retry after the lease takes over each key and `recoverTakenOver` searches the log once PER KEY (4 at a
  // time): a GetShardIterator (5/s per shard) and a read of the same stretch for each of up to 500 keys,
  // where one search for all of them (as `resolvePending` does) reads the stretch once. With a 25 s
  // deadline most keys of a 500-event retry end undecided (503) and converge only over several rounds.
  it('reads the shared stretch of the shard once for all the keys it took over', async () => {
    // Prepare: 50 events acknowledged together; the answer was lost; the retry comes after the lease.
    const { clock, mock, deps } = mockedIngress(Date.now() - 600_000);
    const events = Array.from({ length: KEYS }, (_, i) => logKeyEvent(i, 24, 24));
    const claimedAt = clock.at;
    mock.on(PutRecordsCommand).resolves({
      Records: events.map((_, i) => ({ ShardId: SHARD.ShardId, SequenceNumber: String(100 + i) })),
    });
    const first = await publishEvents(deps, 'orders', events);
    mock.reset();
    clock.at += LEASE_MS + 1_000;
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { RetentionPeriodHours: 24 } as never,
    });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({
      Records: events.map((e, i) => ({
        SequenceNumber: String(100 + i),
        PartitionKey: e.envelope.partitionkey,
        Data: e.bytes,
        ApproximateArrivalTimestamp: new Date(claimedAt + 50),
      })),
      NextShardIterator: 'it-2',
      MillisBehindLatest: 0,
    });
    // Act
    const retry = await publishEvents(deps, 'orders', events);
    // Assess: every event answered as a duplicate of its first write, nothing written, the shard read once.
    expect(retry).toEqual(first.map((r) => ({ ...r, duplicate: true })));
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
    expect(mock.commandCalls(GetShardIteratorCommand).length).toBeLessThanOrEqual(2);
  });

  it('searches keys claimed hours apart separately: the old key undecidable, the young one decided', async () => {
    // Prepare: two keys (48 h windows and log) whose claimants died unseen 30 h and 10 min ago; the
    // stream's retention has since been lowered to 24 h, so the old key's first attempt may be gone.
    const now = Date.now();
    const { clock, mock, store, deps } = mockedIngress(now - 30 * HOUR);
    const [old, young] = [logKeyEvent(1, 48, 48), logKeyEvent(2, 48, 48)];
    if (!old?.idempotency || !young?.idempotency) throw new Error('two keyed events');
    const oldClaim = clock.at;
    await store.claim(old.idempotency);
    clock.at = now - 600_000;
    const youngClaim = clock.at;
    await store.claim(young.idempotency);
    clock.at = now;
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { RetentionPeriodHours: 24 } as never,
    });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: 'it-2', MillisBehindLatest: 0 });
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '900' }] });
    // Act
    const refused = await refusal(publishEvents(deps, 'orders', [old, young]));
    // Assess: each searched from its own claim (less 30 s of skew); only the young one written.
    const starts = mock
      .commandCalls(GetShardIteratorCommand)
      .map((c) => c.args[0].input.Timestamp?.getTime() ?? 0)
      .sort((a, b) => a - b);
    const written = mock.commandCalls(PutRecordsCommand).flatMap((c) => c.args[0].input.Records ?? []);
    expect(starts).toEqual([oldClaim - 30_000, youngClaim - 30_000]);
    expect(written.map((r) => r.PartitionKey)).toEqual([young.envelope.partitionkey]);
    expect(refused.problems.map((p) => p.index)).toEqual([old.index]);
  });
});
