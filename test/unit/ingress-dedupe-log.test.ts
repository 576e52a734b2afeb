import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  createMemoryIdempotencyStore,
  type IdempotencyStore,
  type PreparedEvent,
  publishEvents,
} from '../../shared/ingress';
import { LEASE_MS, logKeyEvent, SHARD } from './ingress-log-fixtures';
import { refusal } from './ingress-support';

/** An event with a 24 h key on a topic keeping records `retention` h; 'shorter': less than the window. */
const prepared = (index: number, retention: number | 'shorter' = 24): PreparedEvent =>
  logKeyEvent(index, 24, retention === 'shorter' ? undefined : retention);

/** The memory store, counting the writes it takes (each a DynamoDB write unit in the real adapter). */
const countingStore = (now: () => number) => {
  const inner = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now });
  const writes = { claim: 0, complete: 0, markUncertain: 0, recordFound: 0 };
  const store: IdempotencyStore = {
    claim: (r) => {
      writes.claim += 1;
      return inner.claim(r);
    },
    complete: (pk, token, result) => {
      writes.complete += 1;
      return inner.complete(pk, token, result);
    },
    markUncertain: (pk, token, note) => {
      writes.markUncertain += 1;
      return inner.markUncertain(pk, token, note);
    },
    recordFound: (pk, hash, result) => {
      writes.recordFound += 1;
      return inner.recordFound(pk, hash, result);
    },
    completeBatch: (pk, token, records) => inner.completeBatch(pk, token, records),
    release: (pk, token) => inner.release(pk, token),
  };
  return { store, writes };
};

const setup = () => {
  // The store's clock runs 10 min behind: its claims are old enough to be searched for at once.
  let at = Date.now() - 600_000;
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const mock = mockClient(kinesis);
  const { store, writes } = countingStore(() => at);
  const deps = {
    kinesis,
    store,
    writer: { retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } },
    search: { deadline: Date.now() + 5_000 },
  };
  return { mock, deps, writes, advance: (ms: number) => (at += ms) };
};

/** The log as Kinesis would show it after the first write: `events` at sequence numbers 7, 8, ... */
const logHolds = (mock: AwsClientStub<KinesisClient>, events: readonly PreparedEvent[]) => {
  mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
  mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
  mock.on(GetRecordsCommand).resolves({
    Records: events.map((e, i) => ({
      SequenceNumber: String(7 + i),
      PartitionKey: e.envelope.partitionkey,
      Data: e.bytes,
    })),
    NextShardIterator: 'it-2',
    MillisBehindLatest: 0,
  });
};

describe('publishEvents with keys recorded by the log alone', () => {
  it('writes one claim per key and no completion; a retry while the lease lives is answered from the log and records the key done', async () => {
    // Prepare
    const { mock, deps, writes, advance } = setup();
    const events = [prepared(1), prepared(2)];
    mock.on(PutRecordsCommand).resolves({
      Records: events.map((_, i) => ({ ShardId: SHARD.ShardId, SequenceNumber: String(7 + i) })),
    });
    // Act
    const first = await publishEvents(deps, 'orders', events);
    const writesOfFirst = { ...writes };
    logHolds(mock, events);
    advance(1_000);
    const retry = await publishEvents(deps, 'orders', events);
    const reads = mock.commandCalls(GetRecordsCommand).length;
    const third = await publishEvents(deps, 'orders', events);
    // Assess: the key's second write is paid only once it is retried, and spares every later retry a read
    expect(writesOfFirst).toEqual({ claim: 2, complete: 0, markUncertain: 0, recordFound: 0 });
    expect(writes).toEqual({ claim: 6, complete: 0, markUncertain: 0, recordFound: 2 });
    expect(first.map((r) => r.duplicate)).toEqual([false, false]);
    expect(retry).toEqual(first.map((r) => ({ ...r, duplicate: true })));
    expect(third).toEqual(retry);
    expect(reads).toBeGreaterThan(0);
    expect(mock.commandCalls(GetRecordsCommand)).toHaveLength(reads);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(1);
  });

  it('answers a retry after the lease ended from the log too, writing nothing to it', async () => {
    // Prepare
    const { mock, deps, advance } = setup();
    const event = prepared(3);
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '7' }] });
    const first = await publishEvents(deps, 'orders', [event]);
    logHolds(mock, [event]);
    advance(LEASE_MS + 1_000);
    // Act
    const retry = await publishEvents(deps, 'orders', [event]);
    const again = await publishEvents(deps, 'orders', [event]);
    // Assess
    expect(retry).toEqual([{ ...first[0], duplicate: true }]);
    expect(again).toEqual([{ ...first[0], duplicate: true }]);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(1);
  });

  it('answers 409 in flight while the claimant has not written yet, and writes nothing', async () => {
    // Prepare: another request holds the key; the log does not show the event (yet).
    const { mock, deps } = setup();
    const event = prepared(4);
    if (!event.idempotency) throw new Error('expected a key');
    const held = await deps.store.claim(event.idempotency);
    logHolds(mock, []);
    // Act
    const error = await refusal(publishEvents(deps, 'orders', [event]));
    // Assess
    expect(held.kind).toBe('claimed');
    expect(error.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it("answers a duplicate of a claim made just now from a search of its claimant's window: in flight while the log lacks it", async () => {
    // Prepare: a claim made just now, on the real clock, as by a concurrent request not yet written.
    const { mock, deps } = setup();
    const inner = createMemoryIdempotencyStore();
    const event = prepared(7);
    if (!event.idempotency) throw new Error('expected a key');
    const claimedAt = Date.now();
    await inner.claim(event.idempotency);
    logHolds(mock, []);
    // Act
    const error = await refusal(publishEvents({ ...deps, store: inner }, 'orders', [event]));
    // Assess: searched whatever the claim's age, from the claim time less the 30 s of skew, no earlier
    const from = mock.commandCalls(GetShardIteratorCommand)[0]?.args[0].input.Timestamp?.getTime() ?? 0;
    expect(error.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(mock.commandCalls(GetRecordsCommand).length).toBeGreaterThan(0);
    expect(from).toBeGreaterThanOrEqual(claimedAt - 30_000);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('answers 409 in flight, never "written", when the log search cannot decide', async () => {
    // Prepare
    const { mock, deps } = setup();
    const event = prepared(5);
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '7' }] });
    await publishEvents(deps, 'orders', [event]);
    mock.reset();
    mock
      .on(ListShardsCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'LimitExceededException' }));
    // Act
    const error = await refusal(publishEvents(deps, 'orders', [event]));
    // Assess
    expect(error.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('completes the claim when the window outlives the log, and answers the retry without reading it', async () => {
    // Prepare: no logRetentionHours: the log may drop the event while the key lives.
    const { mock, deps, writes } = setup();
    const event = prepared(6, 'shorter');
    mock.on(PutRecordsCommand).resolves({ Records: [{ ShardId: SHARD.ShardId, SequenceNumber: '7' }] });
    const first = await publishEvents(deps, 'orders', [event]);
    mock.on(ListShardsCommand).rejects(new Error('the log must not be needed'));
    // Act
    const retry = await publishEvents(deps, 'orders', [event]);
    // Assess
    expect(writes).toEqual({ claim: 2, complete: 1, markUncertain: 0, recordFound: 0 });
    expect(retry).toEqual([{ ...first[0], duplicate: true }]);
  });
});
