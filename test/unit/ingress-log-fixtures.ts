import { KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { encodeEnvelope } from '../../shared/envelope';
import { createMemoryIdempotencyStore, type PreparedEvent } from '../../shared/ingress';
import { envelopeOf } from '../fixtures/kinesis';

/** The one shard of the log-search tests' stream: it holds every hash key. */
export const SHARD = {
  ShardId: 'shardId-000000000000',
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: (2n ** 128n - 1n).toString() },
  SequenceNumberRange: { StartingSequenceNumber: '0' },
};
export const LEASE_MS = 60_000;
export const HOUR = 3_600_000;

/**
 * An `OrderRequested` whose key is kept `windowHours` on a topic keeping its records
 * `logRetentionHours` (undefined: shorter than the window, so the claim is completed after the write);
 * where the log keeps records as long as the key, the claim is the key's only write.
 */
export const logKeyEvent = (
  index: number,
  windowHours: number,
  logRetentionHours: number | undefined,
): PreparedEvent => {
  const envelope = envelopeOf('OrderRequested', { orderId: `o-${index}` }, `o-${index}`, `evt-${index}`);
  return {
    index,
    envelope,
    bytes: encodeEnvelope(envelope),
    idempotency: {
      pk: `ingress#orders#${index}`,
      display: `key ${index}`,
      payloadHash: 'h',
      windowHours,
      ...(logRetentionHours === undefined ? {} : { logRetentionHours }),
    },
  };
};

/**
 * A mocked Kinesis client, a memory idempotency store on a clock the test sets (`clock.at`), and
 * `publishEvents`' dependencies over both: one write attempt, a 30 s search deadline.
 */
export const mockedIngress = (startAt: number) => {
  const clock = { at: startAt };
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const mock = mockClient(kinesis);
  const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: () => clock.at });
  const deps = {
    kinesis,
    store,
    writer: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
    search: { deadline: Date.now() + 30_000 },
  };
  return { clock, kinesis, mock, store, deps };
};
