import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaimRequest, createDynamoIdempotencyStore, type IdempotencyStore } from '../../shared/ingress';
import { loseResponses } from '../fixtures/lost-response';
import { type Emulators, startEmulators } from './helpers/emulators';

const TABLE = 'batch-idempotency';
const LEASE_MS = 1_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

let emulators: Emulators | undefined;
let keys = 0;
const request = (payloadHash = 'hash-a'): ClaimRequest => ({
  pk: `batch#${++keys}#${Math.random()}`,
  display: `key ${keys}`,
  payloadHash,
  windowHours: 1,
  logRetentionHours: 24,
});
const written = { id: 'event-1', shardId: 'shardId-000000000001', sequenceNumber: '49000000000000000001' };

beforeAll(async () => {
  emulators = await startEmulators();
  await emulators.createIdempotencyTable(TABLE);
}, 120_000);
afterAll(async () => {
  await emulators?.stop();
});

const storeAt = (now: () => number): IdempotencyStore => {
  if (!emulators) throw new Error('emulators not started');
  return createDynamoIdempotencyStore(emulators.dynamo, TABLE, { leaseMs: LEASE_MS, now });
};

const claimMany = (store: IdempotencyStore, requests: readonly ClaimRequest[]) => {
  if (!store.claimMany) throw new Error('the DynamoDB store claims in batches');
  return store.claimMany(requests);
};

describe('DynamoDB IdempotencyStore.claimMany on DynamoDB Local', () => {
  it('claims new keys in one batch and answers known ones as a single claim would', async () => {
    // Prepare: one key done, one in flight, one taken with another payload, one expired, two new.
    let at = T0;
    const store = storeAt(() => at);
    const [done, live, other, expired, fresh1, fresh2] = Array.from({ length: 6 }, () => request());
    if (!done || !live || !other || !expired || !fresh1 || !fresh2) throw new Error('six keys');
    const old = await store.claim(expired);
    at += 2 * 3_600_000;
    const first = await store.claim(done);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await store.complete(done.pk, first.token, written);
    await store.claim(live);
    await store.claim(other);
    at += 10;
    // Act
    const outcomes = await claimMany(store, [
      done,
      live,
      { ...other, payloadHash: 'hash-b' },
      expired,
      fresh1,
      fresh2,
    ]);
    // Assess
    expect(old.kind).toBe('claimed');
    expect(outcomes).toEqual([
      { kind: 'duplicate', result: written },
      {
        kind: 'in-flight',
        retryAfterSeconds: 1,
        claimedAt: T0 + 2 * 3_600_000,
        holder: { since: T0 + 2 * 3_600_000, leaseUntil: T0 + 2 * 3_600_000 + LEASE_MS },
      },
      { kind: 'conflict' },
      // Claimed at T0 + 2 h + 10 ms, for the 1 h window.
      { kind: 'claimed', token: expect.any(String), leaseMs: LEASE_MS, expiresAt: T0 / 1000 + 7_201 + 3_600 },
      { kind: 'claimed', token: expect.any(String), leaseMs: LEASE_MS, expiresAt: T0 / 1000 + 7_201 + 3_600 },
      { kind: 'claimed', token: expect.any(String), leaseMs: LEASE_MS, expiresAt: T0 / 1000 + 7_201 + 3_600 },
    ]);
    // Each new claim holds its key: a repeat is in flight.
    expect((await store.claim(fresh1)).kind).toBe('in-flight');
  });

  it('takes over a stale claim inside a batch', async () => {
    // Prepare
    let at = T0;
    const store = storeAt(() => at);
    const stale = request();
    await store.claim(stale);
    at += LEASE_MS + 1;
    // Act
    const [outcome] = await claimMany(store, [stale, request()]);
    // Assess: the takeover keeps the item's TTL, the first claim's (T0 for the 1 h window), not one from now.
    expect(outcome).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      expiresAt: T0 / 1000 + 3_600,
      takeover: { claimedAt: T0, uncertain: false, copiesUntil: T0 + LEASE_MS },
    });
  });

  it('recognises its own claims when the batch took effect but its answer was lost', async () => {
    // Prepare: the SDK re-sends the batch; every INSERT then fails as a duplicate of itself.
    if (!emulators) throw new Error('emulators not started');
    const store = storeAt(() => T0);
    const requests = [request(), request(), request()];
    const lost = loseResponses(emulators.dynamo, { commands: ['BatchExecuteStatementCommand'], times: 1 });
    // Act
    let outcomes: Awaited<ReturnType<typeof claimMany>>;
    try {
      outcomes = await claimMany(store, requests);
    } finally {
      lost.restore();
    }
    // Assess
    expect(lost.lost()).toBe(1);
    expect(outcomes.map((o) => o.kind)).toEqual(['claimed', 'claimed', 'claimed']);
    // They are really held: another claimant finds them in flight.
    expect((await storeAt(() => T0).claim(requests[0] ?? request())).kind).toBe('in-flight');
  });

  it('recognises its own claims when every answer of the batch is lost and the keys are claimed one by one', async () => {
    // Prepare: the batch takes effect, the SDK gives up, the single puts find the batch's own items.
    if (!emulators) throw new Error('emulators not started');
    const store = storeAt(() => T0);
    const requests = [request(), request()];
    const lost = loseResponses(emulators.dynamo, {
      commands: ['BatchExecuteStatementCommand'],
      times: Number.POSITIVE_INFINITY,
    });
    // Act
    let outcomes: Awaited<ReturnType<typeof claimMany>>;
    try {
      outcomes = await claimMany(store, requests);
    } finally {
      lost.restore();
    }
    // Assess
    expect(lost.lost()).toBeGreaterThan(1);
    expect(outcomes.map((o) => o.kind)).toEqual(['claimed', 'claimed']);
  });
});
