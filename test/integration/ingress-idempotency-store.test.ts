import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClaimRequest,
  createDynamoIdempotencyStore,
  createMemoryIdempotencyStore,
  type IdempotencyStore,
} from '../../shared/ingress';
import { type Emulators, startEmulators } from './helpers/emulators';

const TABLE = 'contract-idempotency';
const LEASE_MS = 1_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

interface Subject {
  readonly name: string;
  make(now: () => number): IdempotencyStore;
}

let emulators: Emulators | undefined;
const subjects: Subject[] = [
  { name: 'in memory', make: (now) => createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now }) },
  {
    name: 'DynamoDB Local',
    make: (now) => {
      if (!emulators) throw new Error('emulators not started');
      return createDynamoIdempotencyStore(emulators.dynamo, TABLE, { leaseMs: LEASE_MS, now });
    },
  },
];

let keys = 0;
const request = (payloadHash = 'hash-a', windowHours = 1): ClaimRequest => ({
  pk: `contract#${++keys}#${Math.random()}`,
  display: `key ${keys}`,
  payloadHash,
  windowHours,
});
const written = { id: 'event-1', shardId: 'shardId-000000000001', sequenceNumber: '49000000000000000001' };

beforeAll(async () => {
  emulators = await startEmulators();
  await emulators.createIdempotencyTable(TABLE);
});
afterAll(async () => {
  await emulators?.stop();
});

describe.each(subjects)('IdempotencyStore contract ($name)', (subject) => {
  const clock = () => {
    let at = T0;
    return { now: () => at, advance: (ms: number) => (at += ms) };
  };

  it('claims a new key once; a repeat is in flight, another payload a conflict', async () => {
    // Prepare
    const store = subject.make(clock().now);
    const key = request();
    // Act
    const first = await store.claim(key);
    const again = await store.claim(key);
    const other = await store.claim({ ...key, payloadHash: 'hash-b' });
    // Assess
    expect(first).toEqual({ kind: 'claimed', token: expect.any(String) });
    expect(again).toEqual({ kind: 'in-flight', retryAfterSeconds: 1 });
    expect(other).toEqual({ kind: 'conflict' });
  });

  it('answers a completed key as a duplicate with what was written', async () => {
    // Prepare
    const store = subject.make(clock().now);
    const key = request();
    const claim = await store.claim(key);
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    // Act
    await store.complete(key.pk, claim.token, written);
    // Assess
    expect(await store.claim(key)).toEqual({ kind: 'duplicate', result: written });
    expect(await store.claim({ ...key, payloadHash: 'hash-b' })).toEqual({ kind: 'conflict' });
  });

  it('frees a released key at once', async () => {
    // Prepare
    const store = subject.make(clock().now);
    const key = request();
    const claim = await store.claim(key);
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    // Act
    await store.release(key.pk, claim.token);
    // Assess
    expect((await store.claim(key)).kind).toBe('claimed');
  });

  it('lets the same payload take over a claim whose lease ran out, saying when it was claimed', async () => {
    // Prepare
    const time = clock();
    const store = subject.make(time.now);
    const key = request();
    const stale = await store.claim(key);
    if (stale.kind !== 'claimed') throw new Error('expected a claim');
    time.advance(LEASE_MS + 1);
    // Act
    const takeover = await store.claim(key);
    // Assess
    expect(takeover).toEqual({ kind: 'claimed', token: expect.any(String), takeover: { claimedAt: T0 } });
    // The dead claimant no longer owns the key: it can neither complete nor release it.
    await expect(store.complete(key.pk, stale.token, written)).rejects.toThrow();
    await store.release(key.pk, stale.token);
    expect(await store.claim(key)).toEqual({ kind: 'in-flight', retryAfterSeconds: 1 });
  });

  it('never lets another payload take over a stale claim', async () => {
    // Prepare
    const time = clock();
    const store = subject.make(time.now);
    const key = request();
    await store.claim(key);
    time.advance(LEASE_MS + 1);
    // Act
    const other = await store.claim({ ...key, payloadHash: 'hash-b' });
    // Assess
    expect(other).toEqual({ kind: 'conflict' });
  });

  it('forgets a key once its window has passed, even before TTL deletion', async () => {
    // Prepare
    const time = clock();
    const store = subject.make(time.now);
    const key = request('hash-a', 1);
    const claim = await store.claim(key);
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    await store.complete(key.pk, claim.token, written);
    time.advance(3_600_000 + 2_000);
    // Act
    const later = await store.claim({ ...key, payloadHash: 'hash-b' });
    // Assess
    expect(later).toEqual({ kind: 'claimed', token: expect.any(String) });
  });
});
