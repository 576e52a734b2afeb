import {
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

const SHARD = {
  ShardId: 'shardId-000000000000',
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: (2n ** 128n - 1n).toString() },
  SequenceNumberRange: { StartingSequenceNumber: '0' },
};
const LEASE_MS = 60_000;

/** An event with a 24 h key on a topic that keeps its records 24 h: the claim is the key's only write. */
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

describe('publishEvents retrying an acknowledged event whose key the log alone records', () => {
  it('answers the retry as a duplicate even when the shard cannot be read in time (a busy shard)', async () => {
    // Prepare: the event is acknowledged (202); the producer did not see the answer and retries after the
    // lease. Reading the shard is throttled, as on a shard whose 2 MB/s of reads its consumers use.
    let at = Date.now() - 600_000;
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const mock = mockClient(kinesis);
    const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: () => at });
    const deps = {
      kinesis,
      store,
      writer: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
      search: { deadline: Date.now() + 5_000 },
    };
    const event = prepared(1);
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '7' }] });
    const first = await publishEvents(deps, 'orders', [event]);
    at += LEASE_MS + 1_000;
    mock.reset();
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).rejects(
      Object.assign(new Error('Rate exceeded for shard'), {
        name: 'ProvisionedThroughputExceededException',
      }),
    );
    // Act
    const retry = await publishEvents(deps, 'orders', [event]).catch((error: unknown) => error);
    // Assess: the store knew the event was written (main completes the claim); the answer must not
    // depend on reading the shard.
    expect(retry).toEqual([{ ...first[0], duplicate: true }]);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });
});
