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

const keyed = (index: number): PreparedEvent & { idempotency: NonNullable<PreparedEvent['idempotency']> } => {
  const envelope = envelopeOf('OrderRequested', { orderId: `o-${index}` }, `o-${index}`, `evt-${index}`);
  return {
    index,
    envelope,
    bytes: encodeEnvelope(envelope),
    idempotency: { pk: `ingress#orders#${index}`, display: `key ${index}`, payloadHash: 'h', windowHours: 1 },
  };
};

const timeout = () => Object.assign(new Error('socket timeout'), { name: 'TimeoutError' });

const setup = () => {
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const mock = mockClient(kinesis);
  const store = createMemoryIdempotencyStore();
  const deps = {
    kinesis,
    store,
    writer: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
    search: { deadline: Date.now() + 30_000 },
  };
  return { mock, store, deps };
};

describe('claimAll releasing a taken-over claim', () => {
  it('keeps the knowledge that a copy may be in the log when another key of the request is in flight', async () => {
    // Prepare: key 1's first write went unanswered (it may be in the log: its claim is kept uncertain);
    // another request holds key 2.
    const { mock, store, deps } = setup();
    mock.on(PutRecordsCommand).rejects(timeout());
    await refusal(publishEvents(deps, 'orders', [keyed(1)]));
    await store.claim(keyed(2).idempotency);
    mock.reset();
    mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
    mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    mock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: 'it-2', MillisBehindLatest: 0 });
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '9' }] });
    // Act: a request with keys 1 and 2 takes key 1 over, meets key 2 in flight and gives up (409);
    // then the producer retries key 1 alone.
    const blocked = await refusal(publishEvents(deps, 'orders', [keyed(1), keyed(2)]));
    await publishEvents(deps, 'orders', [keyed(1)]);
    // Assess: the first copy may be in the log, so the copy written now must carry the re-send mark.
    expect(blocked.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    const sent = mock.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records?.[0]?.Data;
    expect(sent).toBeDefined();
    expect(resentSinceOfBytes(sent ?? new Uint8Array())).toEqual(expect.any(Number));
  });
});
