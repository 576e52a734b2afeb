import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { publishEvents } from '../../shared/ingress';
import { HOUR, logKeyEvent, mockedIngress, SHARD } from './ingress-log-fixtures';
import { refusal } from './ingress-support';

describe('publishEvents answering a retry while a takeover holds an old key', () => {
  // Rewritten from 760afef. A retry that meets a takeover's live lease used to search from the key's FIRST
  // claim time (hours back) to the tip before its 409: hours of a shard whose 5 reads/s and 2 MB/s its
  // consumers share. Only the live claimant's window can hold a copy the retry must answer from: an
  // earlier claimant's copy is the takeover's own search to find (it then completes the key).
  it("searches from the live claimant's claim time, less skew, not from the key's first claim", async () => {
    // Prepare: the first claimant claimed 3 h ago and died unseen; a takeover holds the key now.
    const { clock, mock, store, deps } = mockedIngress(Date.now() - 3 * HOUR);
    const event = logKeyEvent(1, 24, 24);
    const request = event.idempotency;
    if (!request) throw new Error('the event has a key');
    await store.claim(request);
    clock.at = Date.now();
    const takenOverAt = clock.at;
    const takeover = await store.claim(request);
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { RetentionPeriodHours: 24 } as never,
    });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
    mock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: 'it-tip', MillisBehindLatest: 0 });
    // Act: the producer's concurrent retry.
    const refused = await refusal(publishEvents(deps, 'orders', [event]));
    // Assess: in flight, having read only from the takeover's claim time (less 30 s of skew).
    const starts = mock
      .commandCalls(GetShardIteratorCommand)
      .map((c) => c.args[0].input.Timestamp?.getTime() ?? Number.NEGATIVE_INFINITY);
    expect(takeover.kind === 'claimed' && takeover.takeover !== undefined).toBe(true);
    expect(refused.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
    expect(starts.length).toBeGreaterThan(0);
    for (const start of starts) expect(start).toBeGreaterThanOrEqual(takenOverAt - 30_000);
  });
});
