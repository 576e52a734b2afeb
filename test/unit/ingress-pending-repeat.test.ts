import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  createAcknowledgedKeys,
  createMemoryIdempotencyStore,
  type PublishDeps,
  publishEvents,
} from '../../shared/ingress';
import { LEASE_MS, logKeyEvent, SHARD } from './ingress-log-fixtures';
import { refusal } from './ingress-support';

/**
 * A shard as Kinesis shows it: PutRecords appends (arrival = the controlled clock), GetRecords pages from
 * the iterator's position to the tip. `hold` keeps every PutRecords open until the returned gate opens.
 */
const fakeLog = (mock: AwsClientStub<KinesisClient>, clock: () => number) => {
  const records: _Record[] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  let sent: () => void = () => undefined;
  let arrived = new Promise<void>((resolve) => {
    sent = resolve;
  });
  mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
  mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'at-0' });
  mock.on(GetRecordsCommand).callsFake(({ ShardIterator }: { ShardIterator?: string }) => {
    const from = Number((ShardIterator ?? 'at-0').slice(3));
    return { Records: records.slice(from), NextShardIterator: `at-${records.length}`, MillisBehindLatest: 0 };
  });
  mock
    .on(PutRecordsCommand)
    .callsFake(async ({ Records = [] }: { Records?: { PartitionKey?: string; Data?: Uint8Array }[] }) => {
      sent();
      await gate;
      const out = Records.map((r) => {
        const SequenceNumber = String(100 + records.length);
        records.push({
          SequenceNumber,
          PartitionKey: r.PartitionKey,
          Data: r.Data,
          ApproximateArrivalTimestamp: new Date(clock()),
        });
        return { ShardId: SHARD.ShardId, SequenceNumber };
      });
      return { Records: out };
    });
  return {
    records,
    /** Holds the next PutRecords open: resolves `sent` when it arrives; `release` lets it finish. */
    hold: () => {
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      arrived = new Promise<void>((resolve) => {
        sent = resolve;
      });
      return { sent: arrived, release: () => open() };
    },
  };
};

/** Two ingress instances on one store and one log, with a clock the test moves. */
const setup = () => {
  let at = Date.now();
  const clock = () => at;
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const mock = mockClient(kinesis);
  const log = fakeLog(mock, clock);
  const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: clock });
  /** An instance without `acknowledged` (a cold one, or one the repeat did not reach) always searches. */
  const instance = (acknowledged?: PublishDeps['acknowledged']): PublishDeps => ({
    kinesis,
    store,
    writer: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, now: clock },
    search: { now: clock },
    ...(acknowledged ? { acknowledged } : {}),
  });
  return { mock, log, instance, advance: (ms: number) => (at += ms) };
};

describe('publishEvents answering a repeat of an acknowledged key recorded by the log alone', () => {
  it.each([0, 999, 1_001])(
    'answers a repeat %i ms after the 202, on another instance, as the first time',
    async (delayMs) => {
      // Prepare
      const { mock, log, instance, advance } = setup();
      const event = logKeyEvent(1, 24, 24);
      const first = await publishEvents(instance(), 'orders', [event]);
      advance(delayMs);
      // Act
      const repeat = await publishEvents(instance(), 'orders', [event]);
      // Assess
      expect(repeat).toEqual([{ ...first[0], duplicate: true }]);
      expect(log.records).toHaveLength(1);
      expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(1);
    },
  );

  it('refuses a repeat while the claimant is still writing, then answers it as the first time; one record', async () => {
    // Prepare: the first request's PutRecords is held open.
    const { log, instance } = setup();
    const event = logKeyEvent(2, 24, 24);
    const held = log.hold();
    const firstRequest = publishEvents(instance(), 'orders', [event]);
    await held.sent;
    // Act
    const whileWriting = await refusal(publishEvents(instance(), 'orders', [event]));
    held.release();
    const first = await firstRequest;
    const after = await publishEvents(instance(), 'orders', [event]);
    // Assess
    expect(whileWriting.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(whileWriting.retryAfterSeconds).toBe(1);
    expect(first[0]?.duplicate).toBe(false);
    expect(after).toEqual([{ ...first[0], duplicate: true }]);
    expect(log.records).toHaveLength(1);
  });

  it('answers a repeat on the instance that acknowledged the key from its memory, reading no log', async () => {
    // Prepare
    const { mock, log, instance } = setup();
    const warm = instance(createAcknowledgedKeys());
    const event = logKeyEvent(3, 24, 24);
    const first = await publishEvents(warm, 'orders', [event]);
    // Act
    const repeat = await publishEvents(warm, 'orders', [event]);
    // Assess
    expect(repeat).toEqual([{ ...first[0], duplicate: true }]);
    expect(mock.commandCalls(GetShardIteratorCommand)).toHaveLength(0);
    expect(mock.commandCalls(GetRecordsCommand)).toHaveLength(0);
    expect(log.records).toHaveLength(1);
  });

  it('still refuses a repeat while the claimant writes on the same instance: its memory holds only 202s', async () => {
    // Prepare
    const { log, instance } = setup();
    const warm = instance(createAcknowledgedKeys());
    const event = logKeyEvent(4, 24, 24);
    const held = log.hold();
    const firstRequest = publishEvents(warm, 'orders', [event]);
    await held.sent;
    // Act
    const whileWriting = await refusal(publishEvents(warm, 'orders', [event]));
    held.release();
    await firstRequest;
    // Assess
    expect(whileWriting.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(log.records).toHaveLength(1);
  });
});
