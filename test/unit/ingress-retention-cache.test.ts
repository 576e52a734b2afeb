import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { findInLog, type PreparedEvent, publishEvents } from '../../shared/ingress';
import { HOUR, logKeyEvent, mockedIngress, SHARD } from './ingress-log-fixtures';
import { refusal } from './ingress-support';

/** An event with a 168 h key on a topic kept 168 h (per the catalog): the claim is the key's only write. */
const prepared = (index: number): PreparedEvent => logKeyEvent(index, 168, 168);

describe('publishEvents after DecreaseStreamRetentionPeriod, with the retention cached', () => {
  // Kinesis: "if the stream's retention period is 48 hours and is decreased to 24 hours, any data already
  // in the stream that is older than 24 hours is inaccessible", and GetShardIterator AT_TIMESTAMP older
  // than the trim horizon starts at TRIM_HORIZON. A search that read from the new horizon proves nothing
  // about the dropped stretch, yet `streamRetentionHours` answers from a value up to 5 s old, so a retry
  // on an instance that searched just before the decrease calls the event absent and writes a marked copy
  // whose first copy consumers can no longer see: a second effect.
  it('writes no copy for a key first attempted before the new horizon, even right after another search', async () => {
    // Prepare: the event was acknowledged 30 h ago (the producer never saw the answer).
    const { clock, kinesis, mock, deps } = mockedIngress(Date.now() - 30 * HOUR);
    const event = prepared(1);
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '7' }] });
    await publishEvents(deps, 'orders', [event]);
    clock.at = Date.now();
    mock.reset();
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: 'it-2', MillisBehindLatest: 0 });
    mock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { RetentionPeriodHours: 168 } as never,
    });
    // Another retry on this instance searches from 40 h back while the stream still keeps 168 h.
    await findInLog(kinesis, 'orders', 'other-key', 'evt-other', Date.now() - 40 * HOUR);
    // Then the retention is lowered to 24 h: the 30 h old record is gone; reads start at the new horizon.
    mock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { RetentionPeriodHours: 24 } as never,
    });
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '900' }] });
    // Act: the producer's retry, a second later.
    const refused = await refusal(publishEvents(deps, 'orders', [event]));
    // Assess: undecidable, and nothing written.
    expect(refused.code).toBe('IDEMPOTENCY_UNDECIDABLE');
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });
});
