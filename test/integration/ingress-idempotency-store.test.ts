import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClaimRequest,
  createDynamoIdempotencyStore,
  createMemoryIdempotencyStore,
  type IdempotencyStore,
} from '../../shared/ingress';
import { loseResponses } from '../fixtures/lost-response';
import { type Emulators, startEmulators } from './helpers/emulators';

const TABLE = 'contract-idempotency';
const LEASE_MS = 1_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');
const T0_SEC = T0 / 1000;

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
    expect(first).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      expiresAt: T0_SEC + 3_600,
    });
    expect(again).toEqual({
      kind: 'in-flight',
      retryAfterSeconds: 1,
      claimedAt: T0,
      holder: { since: T0, leaseUntil: T0 + LEASE_MS },
    });
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
    expect(takeover).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      // A takeover keeps the first claim's TTL.
      expiresAt: T0_SEC + 3_600,
      takeover: { claimedAt: T0, uncertain: false, copiesUntil: T0 + LEASE_MS },
    });
    // The dead claimant no longer owns the key: it can neither complete nor release it.
    await expect(store.complete(key.pk, stale.token, written)).rejects.toThrow();
    await store.release(key.pk, stale.token);
    // A repeat now meets the takeover: its window (where a search for its copy reads) starts at the takeover.
    expect(await store.claim(key)).toEqual({
      kind: 'in-flight',
      retryAfterSeconds: 1,
      claimedAt: T0,
      holder: { since: T0 + LEASE_MS + 1, leaseUntil: T0 + 2 * LEASE_MS + 1 },
    });
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
    expect(later).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      expiresAt: T0_SEC + 3_602 + 3_600,
    });
  });

  it('forgets a key recorded by the log alone a minute before the log may drop its record', async () => {
    // Prepare: window 1 h, retention 1 h: no completion, so only the log can prove the event written.
    const time = clock();
    const store = subject.make(time.now);
    const key = { ...request('hash-a', 1), logRetentionHours: 1 };
    const claim = await store.claim(key);
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    // Act
    time.advance(3_600_000 - 62_000);
    const before = await store.claim({ ...key, payloadHash: 'hash-b' });
    time.advance(3_000);
    const after = await store.claim({ ...key, payloadHash: 'hash-b' });
    // Assess
    expect(before).toEqual({ kind: 'conflict' });
    expect(after).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      expiresAt: T0_SEC + 3_541 + 3_540,
    });
  });

  it('keeps the window of a key whose log outlives it by the margin', async () => {
    // Prepare: window 1 h, retention 2 h.
    const time = clock();
    const store = subject.make(time.now);
    const key = { ...request('hash-a', 1), logRetentionHours: 2 };
    const claim = await store.claim(key);
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    // Act
    time.advance(3_600_000 - 2_000);
    const later = await store.claim({ ...key, payloadHash: 'hash-b' });
    // Assess
    expect(later).toEqual({ kind: 'conflict' });
  });

  it('keeps the first claim time through takeovers: a third claimant searches from the first claim', async () => {
    // Prepare: A claims at T0 and dies; B takes over after the lease and dies too.
    const time = clock();
    const store = subject.make(time.now);
    const key = request();
    await store.claim(key);
    time.advance(LEASE_MS + 1);
    const second = await store.claim(key);
    time.advance(LEASE_MS + 1);
    // Act
    const third = await store.claim(key);
    // Assess
    expect(second).toMatchObject({ kind: 'claimed', takeover: { claimedAt: T0 } });
    // Copies may arrive until the lease end of the last claimant that could write: the second one's.
    expect(third).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      expiresAt: T0_SEC + 3_600,
      takeover: { claimedAt: T0, uncertain: false, copiesUntil: T0 + 2 * LEASE_MS + 1 },
    });
  });

  it('gives the window of copies back, with where a search stopped, when a takeover wrote nothing', async () => {
    // Prepare: A's write was uncertain; B takes over, cannot finish its search and writes nothing.
    const time = clock();
    const store = subject.make(time.now);
    const key = request();
    const first = await store.claim(key);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await store.markUncertain(key.pk, first.token);
    time.advance(10);
    const second = await store.claim(key);
    if (second.kind !== 'claimed' || !second.takeover) throw new Error('expected a takeover');
    // Act
    await store.markUncertain(key.pk, second.token, {
      copiesUntil: second.takeover.copiesUntil,
      searched: { 'shardId-000000000000': '42' },
    });
    time.advance(10);
    const third = await store.claim(key);
    // Assess
    expect(third).toMatchObject({
      kind: 'claimed',
      takeover: {
        claimedAt: T0,
        uncertain: true,
        copiesUntil: T0 + LEASE_MS,
        searched: { 'shardId-000000000000': '42' },
      },
    });
  });

  it('records a key done when a search finds its event, and then never releases it', async () => {
    // Prepare: A holds the key; another request found its event in the log.
    const time = clock();
    const store = subject.make(time.now);
    const key = request();
    const first = await store.claim(key);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    // Act
    await store.recordFound(key.pk, 'hash-other', written);
    const afterWrongPayload = await store.claim(key);
    await store.recordFound(key.pk, key.payloadHash, written);
    await store.release(key.pk, first.token);
    const retry = await store.claim(key);
    // Assess
    expect(afterWrongPayload).toMatchObject({ kind: 'in-flight' });
    expect(retry).toEqual({ kind: 'duplicate', result: written });
  });

  it('lets a retry take an uncertain claim over at once, and only one retry at a time', async () => {
    // Prepare: the claimant could not see whether its write landed, and said so.
    const time = clock();
    const store = subject.make(time.now);
    const key = request();
    const first = await store.claim(key);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await store.markUncertain(key.pk, first.token);
    time.advance(10);
    // Act
    const retry = await store.claim(key);
    const concurrent = await store.claim(key);
    const other = await store.claim({ ...key, payloadHash: 'hash-b' });
    // Assess
    expect(retry).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      expiresAt: T0_SEC + 3_600,
      takeover: { claimedAt: T0, uncertain: true, copiesUntil: T0 + LEASE_MS },
    });
    expect(concurrent).toEqual({
      kind: 'in-flight',
      retryAfterSeconds: 1,
      claimedAt: T0,
      holder: { since: T0 + 10, leaseUntil: T0 + 10 + LEASE_MS },
    });
    expect(other).toEqual({ kind: 'conflict' });
    await expect(store.markUncertain(key.pk, first.token)).rejects.toThrow();
  });

  it('completes a taken-over claim so later repeats are duplicates', async () => {
    // Prepare
    const store = subject.make(clock().now);
    const key = request();
    const first = await store.claim(key);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await store.markUncertain(key.pk, first.token);
    const retry = await store.claim(key);
    if (retry.kind !== 'claimed') throw new Error('expected a takeover');
    // Act
    await store.complete(key.pk, retry.token, written);
    // Assess
    expect(await store.claim(key)).toEqual({ kind: 'duplicate', result: written });
  });

  it('keeps what searches found for a request keyed as a whole through later marks, and hands it to the next takeover', async () => {
    // Prepare: A's write was uncertain; B takes over and finds event 0; C takes over, writes, is uncertain.
    const time = clock();
    const store = subject.make(time.now);
    const key = request();
    const found = { '0': { shardId: 'shardId-000000000001', sequenceNumber: '49000000000000000007' } };
    const first = await store.claim(key);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await store.markUncertain(key.pk, first.token);
    time.advance(10);
    const second = await store.claim(key);
    if (second.kind !== 'claimed' || !second.takeover) throw new Error('expected a takeover');
    // Act
    await store.markUncertain(key.pk, second.token, {
      copiesUntil: second.takeover.copiesUntil,
      searched: { 'shardId-000000000001': '49000000000000000007' },
      found,
    });
    time.advance(10);
    const third = await store.claim(key);
    if (third.kind !== 'claimed') throw new Error('expected a takeover');
    await store.markUncertain(key.pk, third.token, {});
    time.advance(10);
    const fourth = await store.claim(key);
    // Assess: the found events survive a mark without them; the window stays the third's.
    expect(third.takeover).toMatchObject({ copiesUntil: T0 + LEASE_MS, found });
    expect(fourth).toMatchObject({
      kind: 'claimed',
      takeover: { claimedAt: T0, copiesUntil: T0 + 20 + LEASE_MS, found },
    });
  });

  it('records a request keyed as a whole done: later claims answer batch-done with its records, never released', async () => {
    // Prepare
    const store = subject.make(clock().now);
    const key = request();
    const records = [
      { shardId: 'shardId-000000000000', sequenceNumber: '49000000000000000001' },
      { shardId: 'shardId-000000000001', sequenceNumber: '49000000000000000002' },
    ];
    const first = await store.claim(key);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await store.markUncertain(key.pk, first.token);
    const retry = await store.claim(key);
    if (retry.kind !== 'claimed') throw new Error('expected a takeover');
    // Act
    await store.completeBatch(key.pk, retry.token, records);
    await store.release(key.pk, retry.token);
    // Assess
    expect(await store.claim(key)).toEqual({ kind: 'batch-done', records });
    expect(await store.claim({ ...key, payloadHash: 'hash-b' })).toEqual({ kind: 'conflict' });
    await expect(store.completeBatch(key.pk, first.token, records)).rejects.toThrow();
  });
});

describe('IdempotencyStore on DynamoDB Local when answers are lost', () => {
  const dynamoStore = () => {
    if (!emulators) throw new Error('emulators not started');
    return createDynamoIdempotencyStore(emulators.dynamo, TABLE, { leaseMs: LEASE_MS });
  };

  it('recognises its own claim when the claim took effect but its answer was lost', async () => {
    // Prepare: the SDK re-sends the put, which then fails its own condition.
    if (!emulators) throw new Error('emulators not started');
    const store = dynamoStore();
    const key = request();
    const lost = loseResponses(emulators.dynamo, { commands: ['PutItemCommand'], times: 1 });
    // Act
    let claim: Awaited<ReturnType<IdempotencyStore['claim']>>;
    try {
      claim = await store.claim(key);
    } finally {
      lost.restore();
    }
    // Assess
    expect(lost.lost()).toBe(1);
    expect(claim).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      expiresAt: expect.any(Number),
    });
    if (claim.kind !== 'claimed') return;
    await store.complete(key.pk, claim.token, written);
    expect(await store.claim(key)).toEqual({ kind: 'duplicate', result: written });
  });

  it('refuses a claim item whose stored records are not what it writes, naming the fix', async () => {
    // Prepare: an item edited by hand: done, with records that are not the JSON pairs the store writes.
    if (!emulators) throw new Error('emulators not started');
    const store = dynamoStore();
    const key = request();
    const item = (records: string) => ({
      pk: { S: key.pk },
      state: { S: 'done' },
      payloadHash: { S: key.payloadHash },
      token: { S: 'edited' },
      claimedAt: { N: String(Date.now()) },
      expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3_600) },
      batchRecords: { S: records },
    });
    // Act + Assess
    for (const records of ['not json', '[["shardId-000000000000"]]', '{"0":["a","b"]}']) {
      await emulators.dynamo.send(new PutItemCommand({ TableName: TABLE, Item: item(records) }));
      await expect(store.claim(key)).rejects.toThrow('delete the item to reset the key');
    }
  });

  it('keeps what a search found and records a batch done even when each answer is lost and the SDK re-sends', async () => {
    // Prepare: a claim taken over (uncertain), as a batch's is before a search.
    if (!emulators) throw new Error('emulators not started');
    const store = dynamoStore();
    const key = request();
    const records = [
      { shardId: 'shardId-000000000000', sequenceNumber: '49000000000000000001' },
      { shardId: 'shardId-000000000001', sequenceNumber: '49000000000000000002' },
    ];
    const first = await store.claim(key);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await store.markUncertain(key.pk, first.token);
    const taken = await store.claim(key);
    if (taken.kind !== 'claimed') throw new Error('expected a takeover');
    // Act
    const lostMark = loseResponses(emulators.dynamo, {
      commands: ['UpdateItemCommand'],
      times: 1,
      as: 'status-500',
    });
    try {
      await store.markUncertain(key.pk, taken.token, { found: { '0': records[0] as (typeof records)[0] } });
    } finally {
      lostMark.restore();
    }
    const again = await store.claim(key);
    if (again.kind !== 'claimed') throw new Error('expected a takeover');
    const lostDone = loseResponses(emulators.dynamo, {
      commands: ['UpdateItemCommand'],
      times: 1,
      as: 'status-500',
    });
    try {
      await store.completeBatch(key.pk, again.token, records);
    } finally {
      lostDone.restore();
    }
    // Assess
    expect(lostMark.lost() + lostDone.lost()).toBe(2);
    expect(again.takeover?.found).toEqual({ '0': records[0] });
    expect(await store.claim(key)).toEqual({ kind: 'batch-done', records });
  });

  it('recognises its own takeover when the takeover took effect but its answer was lost', async () => {
    // Prepare
    if (!emulators) throw new Error('emulators not started');
    const store = dynamoStore();
    const key = request();
    const first = await store.claim(key);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await store.markUncertain(key.pk, first.token);
    const lost = loseResponses(emulators.dynamo, {
      commands: ['UpdateItemCommand'],
      times: 1,
      as: 'status-500',
    });
    // Act
    let retry: Awaited<ReturnType<IdempotencyStore['claim']>>;
    try {
      retry = await store.claim(key);
    } finally {
      lost.restore();
    }
    // Assess
    expect(lost.lost()).toBe(1);
    expect(retry).toMatchObject({ kind: 'claimed', takeover: { uncertain: true } });
  });

  it('completes, marks and releases once even when each answer is lost and the SDK re-sends', async () => {
    // Prepare
    if (!emulators) throw new Error('emulators not started');
    const store = dynamoStore();
    const done = request();
    const freed = request();
    const a = await store.claim(done);
    const b = await store.claim(freed);
    if (a.kind !== 'claimed' || b.kind !== 'claimed') throw new Error('expected claims');
    const lost = loseResponses(emulators.dynamo, {
      commands: ['UpdateItemCommand', 'DeleteItemCommand'],
      times: 3,
    });
    // Act
    try {
      await store.markUncertain(done.pk, a.token);
      await store.complete(done.pk, a.token, written);
      await store.release(freed.pk, b.token);
    } finally {
      lost.restore();
    }
    // Assess
    expect(lost.lost()).toBe(3);
    expect(await store.claim(done)).toEqual({ kind: 'duplicate', result: written });
    expect(await store.claim(freed)).toEqual({
      kind: 'claimed',
      token: expect.any(String),
      leaseMs: LEASE_MS,
      expiresAt: expect.any(Number),
    });
  });
});
