import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { resentSinceOfBytes } from '../../shared/envelope';
import { type PreparedEvent, publishEvents } from '../../shared/ingress';
import { HOUR, LEASE_MS, logKeyEvent, mockedIngress, SHARD } from './ingress-log-fixtures';
import { refusal } from './ingress-support';

/** An event with a key on a topic that keeps its records as long as the key: the claim is its only write. */
const prepared = (index: number, retentionHours = 24): PreparedEvent =>
  logKeyEvent(index, retentionHours, retentionHours);

const throttled = () =>
  Object.assign(new Error('Rate exceeded for shard'), { name: 'ProvisionedThroughputExceededException' });

/** The event is acknowledged (202) at the store's time `at`; the producer did not see the answer. */
const acknowledged = async (event: PreparedEvent, retentionHours = 24, agoMs = 10 * HOUR) => {
  const { clock, mock, deps } = mockedIngress(Date.now() - agoMs);
  mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '7' }] });
  const [first] = await publishEvents(deps, 'orders', [event]);
  const claimedAt = clock.at;
  mock.reset();
  mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
  mock.on(DescribeStreamSummaryCommand).resolves({
    StreamDescriptionSummary: { RetentionPeriodHours: retentionHours } as never,
  });
  return { mock, deps, first, claimedAt, advance: (ms: number) => (clock.at += ms) };
};

const record = (sequenceNumber: string, arrivedAt: number, data: Uint8Array, partitionKey: string) => ({
  SequenceNumber: sequenceNumber,
  PartitionKey: partitionKey,
  Data: data,
  ApproximateArrivalTimestamp: new Date(arrivedAt),
});

describe('publishEvents retrying an acknowledged event whose key the log alone records', () => {
  // The branch's failing test asked for a duplicate answer while the shard stays unreadable, as main gives
  // from its completion write. With one write per key the store cannot know the event was written until a
  // search finds it: the retry is refused 503 "outcome unknown" (never written), and converges once the
  // shard can be read, after which the key is answered from the item without reading the shard.
  it('answers 503 while the shard cannot be read, then a duplicate once it can, then from the item alone', async () => {
    // Prepare: retries after the lease; reading the shard is throttled at first.
    const event = prepared(1);
    const { mock, deps, first, advance } = await acknowledged(event);
    advance(LEASE_MS + 1_000);
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).rejects(throttled());
    // Act
    const busy = await refusal(publishEvents(deps, 'orders', [event]));
    mock.on(GetRecordsCommand).resolves({
      Records: [{ SequenceNumber: '7', PartitionKey: event.envelope.partitionkey, Data: event.bytes }],
      NextShardIterator: 'it-2',
      MillisBehindLatest: 0,
    });
    advance(2_000);
    const readable = await publishEvents(deps, 'orders', [event]);
    const reads = mock.commandCalls(GetRecordsCommand).length;
    mock.on(GetRecordsCommand).rejects(throttled());
    advance(2_000);
    const later = await publishEvents(deps, 'orders', [event]);
    // Assess
    expect(busy.status).toBe(503);
    expect(busy.retryAfterSeconds).toBeGreaterThan(0);
    expect(readable).toEqual([{ ...first, duplicate: true }]);
    expect(later).toEqual(readable);
    expect(mock.commandCalls(GetRecordsCommand)).toHaveLength(reads);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it("reads only to the claimant's lease end, so a retry hours later on a busy shard proves the event absent", async () => {
    // Prepare: the first write's outcome was unknown to the producer and the event is NOT in the log; the
    // retry comes 3 h later. The shard never shows its tip: a record arrives every few seconds, and
    // reading past the first page is throttled, as on a shard its consumers keep busy.
    const event = prepared(2);
    const { mock, deps, claimedAt, advance } = await acknowledged(event);
    const other = prepared(99);
    advance(3 * HOUR);
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock
      .on(GetRecordsCommand)
      .resolvesOnce({
        Records: [
          record('10', claimedAt + 5_000, other.bytes, other.envelope.partitionkey),
          record('11', claimedAt + LEASE_MS + 31_000, other.bytes, other.envelope.partitionkey),
        ],
        NextShardIterator: 'it-2',
        MillisBehindLatest: 3 * HOUR,
      })
      .rejects(throttled());
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '900' }] });
    // Act
    const retry = await publishEvents(deps, 'orders', [event]);
    // Assess: written once more, marked as a possible second copy since the first claim
    const sent = mock.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records?.[0]?.Data;
    expect(retry).toEqual([
      { id: event.envelope.id, shardId: SHARD.ShardId, sequenceNumber: '900', duplicate: false },
    ]);
    expect(sent && resentSinceOfBytes(sent)).toBe(claimedAt);
  });

  it('resumes the next search where a throttled one stopped', async () => {
    // Prepare: the first search reads one page, then is throttled.
    const event = prepared(3);
    const { mock, deps, claimedAt, advance } = await acknowledged(event);
    const other = prepared(98);
    advance(LEASE_MS + 1_000);
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock
      .on(GetRecordsCommand)
      .resolvesOnce({
        Records: [record('5', claimedAt + 5_000, other.bytes, other.envelope.partitionkey)],
        NextShardIterator: 'it-2',
        MillisBehindLatest: 10_000,
      })
      .rejects(throttled());
    // Act
    const busy = await refusal(publishEvents(deps, 'orders', [event]));
    mock.on(GetRecordsCommand).rejects(throttled());
    advance(2_000);
    await refusal(publishEvents(deps, 'orders', [event]));
    // Assess
    const iterators = mock.commandCalls(GetShardIteratorCommand).map((c) => c.args[0].input);
    expect(busy.status).toBe(503);
    expect(iterators[0]?.ShardIteratorType).toBe('AT_TIMESTAMP');
    expect(iterators[1]).toMatchObject({
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: '5',
    });
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('writes nothing and says so when the retention was lowered below the age of the first attempt', async () => {
    // Prepare: a topic kept 7 days; the event went unseen 30 h ago; the retention is now 24 h, so the
    // log no longer holds where its copy would be, and the search finds nothing.
    const event = prepared(4, 168);
    const { mock, deps, advance } = await acknowledged(event, 24, 30 * HOUR);
    advance(LEASE_MS + 1_000);
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: 'it-2', MillisBehindLatest: 0 });
    // Act
    const refused = await refusal(publishEvents(deps, 'orders', [event]));
    advance(1_000);
    const again = await refusal(publishEvents(deps, 'orders', [event]));
    // Assess
    expect(refused.status).toBe(409);
    expect(refused.code).toBe('IDEMPOTENCY_UNDECIDABLE');
    expect(again.code).toBe('IDEMPOTENCY_UNDECIDABLE');
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });
});
