import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope, resentSinceOfBytes } from '../../shared/envelope';
import { createMemoryIdempotencyStore, type PreparedEvent, publishEvents } from '../../shared/ingress';
import { envelopeOf } from '../fixtures/kinesis';
import { refusal } from './ingress-support';

const SHARD = {
  ShardId: 'shardId-000000000000',
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: (2n ** 128n - 1n).toString() },
  SequenceNumberRange: { StartingSequenceNumber: '0' },
};

const prepared = (index: number, withKey = true): PreparedEvent => {
  const envelope = envelopeOf('OrderRequested', { orderId: `o-${index}` }, `o-${index}`, `evt-${index}`);
  const bytes = encodeEnvelope(envelope);
  return withKey
    ? {
        index,
        envelope,
        bytes,
        idempotency: {
          pk: `ingress#orders#${index}`,
          display: `key ${index}`,
          payloadHash: 'h',
          windowHours: 1,
        },
      }
    : { index, envelope, bytes };
};

const setup = () => {
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const mock = mockClient(kinesis);
  const store = createMemoryIdempotencyStore();
  const deps = {
    kinesis,
    store,
    writer: { retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } },
    search: { deadline: Date.now() + 5_000 },
  };
  return { mock, deps };
};

const timeout = () => Object.assign(new Error('socket timeout'), { name: 'TimeoutError' });

describe('publishEvents when a write is uncertain', () => {
  it('answers 503 "outcome unknown" and keeps the claim; the retry finds the event and answers it as a duplicate', async () => {
    // Prepare: every PutRecords goes unanswered; the log then holds the first copy.
    const { mock, deps } = setup();
    const event = prepared(1);
    mock.on(PutRecordsCommand).rejects(timeout());
    // Act
    const first = await refusal(publishEvents(deps, 'orders', [event]));
    mock.reset();
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({
      Records: [{ SequenceNumber: '7', PartitionKey: 'o-1', Data: event.bytes }],
      NextShardIterator: 'it-2',
      MillisBehindLatest: 0,
    });
    const retry = await publishEvents(deps, 'orders', [event]);
    // Assess
    expect(first.status).toBe(503);
    expect(first.problems).toEqual([
      { index: 1, path: '', message: 'outcome unknown: the event may be in the log' },
    ]);
    expect(first.message).toContain('same idempotency keys is safe');
    expect(retry).toEqual([{ id: 'evt-1', shardId: SHARD.ShardId, sequenceNumber: '7', duplicate: true }]);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('writes the event marked with the first claim time when the retry proves it absent', async () => {
    // Prepare
    const { mock, deps } = setup();
    const event = prepared(2);
    mock.on(PutRecordsCommand).rejects(timeout());
    await refusal(publishEvents(deps, 'orders', [event]));
    mock.reset();
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: 'it-2', MillisBehindLatest: 0 });
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '9' }] });
    // Act
    const retry = await publishEvents(deps, 'orders', [event]);
    // Assess
    expect(retry).toEqual([{ id: 'evt-2', shardId: SHARD.ShardId, sequenceNumber: '9', duplicate: false }]);
    const sent = mock.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records?.[0]?.Data;
    expect(resentSinceOfBytes(sent ?? new Uint8Array())).toEqual(expect.any(Number));
  });

  it('writes nothing and answers 503 again when the search cannot decide, keeping the claim for the next retry', async () => {
    // Prepare
    const { mock, deps } = setup();
    const event = prepared(3);
    mock.on(PutRecordsCommand).rejects(timeout());
    await refusal(publishEvents(deps, 'orders', [event]));
    mock.reset();
    mock.on(ListShardsCommand).rejects(timeout());
    // Act
    const second = await refusal(publishEvents(deps, 'orders', [event]));
    const third = await refusal(publishEvents(deps, 'orders', [event]));
    // Assess
    expect(second.status).toBe(503);
    expect(second.problems[0]?.message).toBe('outcome unknown: the event may be in the log');
    expect(third.code).toBe('UNAVAILABLE');
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('past its lease, calls a keyed event it could not write "outcome unknown", and a keyless one still certainly not written', async () => {
    // Prepare: a 1 s lease; Kinesis refuses both records and answers 2 s later (by then another request
    // may have taken the key's claim over and written its event; nothing can write the keyless one).
    let clock = 1_000_000;
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const mock = mockClient(kinesis);
    mock.on(PutRecordsCommand).callsFake((input: { Records?: unknown[] }) => {
      clock += 2_000;
      const refused = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'no' };
      return {
        FailedRecordCount: input.Records?.length ?? 0,
        Records: (input.Records ?? []).map(() => refused),
      };
    });
    const deps = {
      kinesis,
      store: createMemoryIdempotencyStore({ leaseMs: 1_000, now: () => clock }),
      writer: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, now: () => clock },
    };
    // Act
    const answer = await refusal(publishEvents(deps, 'orders', [prepared(5), prepared(6, false)]));
    // Assess
    expect(answer.problems).toEqual([
      { index: 5, path: '', message: 'outcome unknown: the event may be in the log' },
      { index: 6, path: '', message: 'throttled by the log' },
    ]);
  });

  it('says honestly that an event without an idempotency key cannot be deduplicated', async () => {
    // Prepare
    const { mock, deps } = setup();
    mock.on(PutRecordsCommand).rejects(timeout());
    // Act
    const error = await refusal(publishEvents(deps, 'orders', [prepared(4, false)]));
    // Assess
    expect(error.status).toBe(503);
    expect(error.problems[0]?.message).toMatch(
      /outcome unknown.*no idempotency key, so a retry adds a new event/,
    );
  });
});

describe('publishEvents giving up on a request that took a claim over', () => {
  it('keeps the knowledge that a copy may be in the log when another key of the request is in flight', async () => {
    // Prepare: key 1's first write went unanswered (it may be in the log: its claim is kept uncertain);
    // another request holds key 2.
    const { mock, deps } = setup();
    const [first, second] = [prepared(1), prepared(2)];
    mock.on(PutRecordsCommand).rejects(timeout());
    await refusal(publishEvents(deps, 'orders', [first]));
    if (second.idempotency) await deps.store.claim(second.idempotency);
    mock.reset();
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: 'it-2', MillisBehindLatest: 0 });
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '9' }] });

    // Act: a request with keys 1 and 2 takes key 1 over, meets key 2 in flight and gives up (409);
    // then the producer retries key 1 alone.
    const blocked = await refusal(publishEvents(deps, 'orders', [first, second]));
    await publishEvents(deps, 'orders', [first]);

    // Assess: the first copy may be in the log, so the copy written now must carry the re-send mark.
    expect(blocked.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    const sent = mock.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records?.[0]?.Data;
    expect(sent).toBeDefined();
    expect(resentSinceOfBytes(sent ?? new Uint8Array())).toEqual(expect.any(Number));
  });
});
