import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../shared/envelope';
import { createMemoryIdempotencyStore, type PreparedEvent, publishEvents } from '../../shared/ingress';
import { envelopeOf } from '../fixtures/kinesis';
import { refusal } from './ingress-support';

const SHARD = {
  ShardId: 'shardId-000000000000',
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: (2n ** 128n - 1n).toString() },
  SequenceNumberRange: { StartingSequenceNumber: '0' },
};
const LEASE_MS = 60_000;
const HOUR = 3_600_000;

/** An event with a 24 h key on a topic kept 24 h: the claim is the key's only write. */
const prepared = (index: number): PreparedEvent => {
  const envelope = envelopeOf('OrderRequested', { orderId: `o-${index}` }, `o-${index}`, `evt-${index}`);
  return {
    index,
    envelope,
    bytes: encodeEnvelope(envelope),
    idempotency: {
      pk: `ingress#orders#${index}`,
      display: `key ${index}`,
      payloadHash: 'h',
      windowHours: 24,
      logRetentionHours: 24,
    },
  };
};

const page = (sequenceNumber: string, arrivedAt: number, other: PreparedEvent, behindMs: number) => ({
  Records: [
    {
      SequenceNumber: sequenceNumber,
      PartitionKey: other.envelope.partitionkey,
      Data: other.bytes,
      ApproximateArrivalTimestamp: new Date(arrivedAt),
    },
  ],
  NextShardIterator: `it-${sequenceNumber}`,
  MillisBehindLatest: behindMs,
});

describe('publishEvents answering a retry while a takeover holds an old key', () => {
  // README: "a retry hours later reads about two minutes of the shard, not everything since". A retry that
  // meets a takeover's live lease is answered in flight after `resolvePending` searched from the key's
  // FIRST claim time to the tip (no `until`, no `resume`): hours of a shard whose 5 reads/s and 2 MB/s
  // its consumers share, for an answer that is 409 whatever it reads beyond the window of copies.
  it('reads no further than the window of copies of the first claimant', async () => {
    // Prepare: the first claimant claimed 3 h ago and died unseen; a takeover holds the key now (it is
    // still searching); the shard has records at +5 s, past the window (+91 s), at +1 h, then its tip.
    let at = Date.now() - 3 * HOUR;
    const claimedAt = at;
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const mock = mockClient(kinesis);
    const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: () => at });
    const deps = {
      kinesis,
      store,
      writer: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
      search: { deadline: Date.now() + 30_000 },
    };
    const event = prepared(1);
    const other = prepared(2);
    const request = event.idempotency;
    if (!request) throw new Error('the event has a key');
    await store.claim(request);
    at = Date.now();
    const takeover = await store.claim(request);
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { RetentionPeriodHours: 24 } as never,
    });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
    mock
      .on(GetRecordsCommand)
      .resolvesOnce(page('10', claimedAt + 5_000, other, 3 * HOUR))
      .resolvesOnce(page('11', claimedAt + LEASE_MS + 31_000, other, 3 * HOUR))
      .resolvesOnce(page('12', claimedAt + HOUR, other, 2 * HOUR))
      .resolves({ Records: [], NextShardIterator: 'it-tip', MillisBehindLatest: 0 });
    // Act: the producer's concurrent retry.
    const refused = await refusal(publishEvents(deps, 'orders', [event]));
    // Assess: in flight, after reading only up to the first record past the window of copies.
    expect(takeover.kind === 'claimed' && takeover.takeover !== undefined).toBe(true);
    expect(refused.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
    expect(mock.commandCalls(GetRecordsCommand).length).toBeLessThanOrEqual(2);
  });
});
