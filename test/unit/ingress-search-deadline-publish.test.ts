import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createMemoryIdempotencyStore, publishEvents } from '../../shared/ingress';
import { LEASE_MS, logKeyEvent, SHARD } from './ingress-log-fixtures';
import { instance } from './ingress-review-fakes';

/** A stream whose GetRecords never answers: every log search runs into its deadline. */
const hungLog = () => {
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const mock = mockClient(kinesis);
  mock.on(ListShardsCommand).resolves({ Shards: [SHARD] });
  mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'at-0' });
  mock.on(GetRecordsCommand).callsFake(() => new Promise(() => undefined));
  let puts = 0;
  mock.on(PutRecordsCommand).callsFake(({ Records = [] }: { Records?: unknown[] }) => {
    puts += Records.length;
    return { Records: Records.map((_, i) => ({ ShardId: SHARD.ShardId, SequenceNumber: String(i) })) };
  });
  return { kinesis, puts: () => puts };
};

describe('publishEvents when its log search is cut by the deadline', () => {
  it('answers a takeover 503 "outcome unknown", writes nothing and keeps the claim uncertain', async () => {
    // Prepare: a claimant died unseen; its lease has ended, so the next request takes the key over.
    let at = Date.now();
    const clock = () => at;
    const { kinesis, puts } = hungLog();
    const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: clock });
    const event = logKeyEvent(1, 24, 24);
    const key = event.idempotency;
    if (!key) throw new Error('the event has a key');
    await store.claim(key);
    at += LEASE_MS + 1_000;
    const deps = { ...instance(kinesis, store, clock), search: { now: clock, deadline: at + 200 } };
    // Act
    const answer = await publishEvents(deps, 'orders', [event]).catch((error: unknown) => error);
    const next = await store.claim(key);
    // Assess: undecided, nothing written, and the next request takes the key over at once (uncertain).
    expect(answer).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(puts()).toBe(0);
    expect(next).toMatchObject({ kind: 'claimed', takeover: { uncertain: true } });
  });

  it("answers a pending repeat 409 in flight and releases the request's other claims", async () => {
    // Prepare: another instance holds key 1 and is still writing; key 2 is new.
    const at = Date.now();
    const clock = () => at;
    const { kinesis, puts } = hungLog();
    const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: clock });
    const pending = logKeyEvent(1, 24, 24);
    const fresh = logKeyEvent(2, 24, 24);
    const pendingKey = pending.idempotency;
    const freshKey = fresh.idempotency;
    if (!pendingKey || !freshKey) throw new Error('the events have keys');
    await store.claim(pendingKey);
    const deps = { ...instance(kinesis, store, clock), search: { now: clock, deadline: at + 200 } };
    // Act
    const answer = await publishEvents(deps, 'orders', [pending, fresh]).catch((error: unknown) => error);
    const after = await store.claim(freshKey);
    // Assess: 409, nothing written, and key 2 was released (claimed afresh, no takeover).
    expect(answer).toMatchObject({ code: 'IDEMPOTENCY_IN_FLIGHT', status: 409 });
    expect(puts()).toBe(0);
    expect(after.kind).toBe('claimed');
    expect(after).not.toHaveProperty('takeover');
  });
});
