import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngressHandler } from '../../shared/ingress';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { loseResponses } from '../fixtures/lost-response';
import { refuseRecords } from '../fixtures/refuse-records';
import { bodyOf, order } from '../unit/ingress-support';
import { type Emulators, startEmulators } from './helpers/emulators';
import { ingressInstances } from './helpers/ingress-instance';
import { dieAfterStored, readLog, type StoredCopy } from './helpers/log-copies';

const STREAM = 'batch-key-orders';
/** One shard, for the test that needs the log's order. */
const ONE_SHARD = 'batch-key-one-shard';
const TABLE = 'batch-key-idempotency';
const BATCH_MEDIA = 'application/cloudevents-batch+json';
/**
 * The lease of a claimant that dies after storing: long enough to claim and send on a busy machine (a
 * 0.5-1.5 s lease ran out before the call in 2 of 7 runs at load ~11, review 18), short enough to wait out.
 */
const DYING_LEASE_MS = 3_000;

interface Result {
  readonly id: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly duplicate: boolean;
}

const ce = (orderId: string, over: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: `evt-${orderId}`,
  source: '/shop',
  type: 'OrderRequested',
  data: order(orderId),
  ...over,
});

const plain = (orderId: string) => ({ type: 'OrderRequested', data: order(orderId) });

const post = (body: unknown, key?: string, media = BATCH_MEDIA) =>
  httpEvent({
    routeKey: 'POST /topics/{topic}/events',
    pathParameters: { topic: 'orders' },
    headers: { 'content-type': media, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
    userArn: assumedRoleArn('storefront-role'),
  });

const resultsOf = (answer: Awaited<ReturnType<IngressHandler>>): Result[] =>
  (bodyOf(answer).results ?? []) as Result[];

describe('one Idempotency-Key for a request of several events (DynamoDB Local, Kinesis lite)', () => {
  let env: Emulators;
  const instances = ingressInstances(() => env, TABLE);

  const instance = (leaseMs?: number, stream = STREAM) => instances.make(stream, leaseMs);

  /** The claim item of a key, as the DynamoDB store keeps it (found by its display). */
  const claimItem = async (display: string) =>
    (
      await env.dynamo.send(
        new ScanCommand({
          TableName: TABLE,
          FilterExpression: 'idempotencyKey = :k',
          ExpressionAttributeValues: { ':k': { S: display } },
        }),
      )
    ).Items?.[0];

  const log = async (prefix: string): Promise<StoredCopy[]> =>
    (await readLog(env.kinesis, STREAM)).filter((c) => c.id.startsWith(prefix));

  /** Every event has exactly one unmarked copy at most, and the answer names a copy of it. */
  const expectOnceEach = (copies: readonly StoredCopy[], results: readonly Result[]) => {
    for (const r of results) {
      const mine = copies.filter((c) => c.id === r.id);
      expect(mine.filter((c) => !c.marked).length, `unmarked copies of ${r.id}`).toBeLessThanOrEqual(1);
      expect(mine.some((c) => c.sequenceNumber === r.sequenceNumber && c.shardId === r.shardId)).toBe(true);
    }
  };

  beforeAll(async () => {
    env = await startEmulators({ log: 'memory' });
    await Promise.all([
      env.createStream(STREAM, 2),
      env.createStream(ONE_SHARD, 1),
      env.createIdempotencyTable(TABLE),
    ]);
  }, 120_000);

  afterAll(async () => {
    instances.destroyAll();
    await env?.stop();
  });

  it('claims once for the whole request; a retry, on this or another instance, adds nothing and gets the same answer', async () => {
    // Prepare
    const events = Array.from({ length: 20 }, (_, i) => ce(`once-${i}`));
    const a = instance();
    const b = instance();
    // Act
    const first = await a.ingress(post(events, 'k-once'));
    const again = await a.ingress(post(events, 'k-once'));
    const elsewhere = await b.ingress(post(events, 'k-once'));
    // Assess
    expect(first.statusCode).toBe(202);
    expect(a.writes).toEqual({ claim: 2, other: 0 });
    expect(b.writes).toEqual({ claim: 1, other: 0 });
    const answer = resultsOf(first);
    expect(answer.map((r) => r.id)).toEqual(events.map((e) => e.id));
    expect(answer.every((r) => !r.duplicate)).toBe(true);
    for (const retry of [again, elsewhere]) {
      expect(retry.statusCode).toBe(202);
      expect(resultsOf(retry)).toEqual(answer.map((r) => ({ ...r, duplicate: true })));
    }
    const copies = await log('evt-once-');
    expect(copies).toHaveLength(20);
    expect(copies.every((c) => !c.marked)).toBe(true);
  });

  it('takes a plain JSON array with the key: ids come from the key and the place, the same on a retry', async () => {
    // Prepare
    const events = Array.from({ length: 5 }, (_, i) => plain(`plain-${i}`));
    const a = instance();
    // Act
    const refused = await a.ingress(post(events, undefined, 'application/json'));
    const first = await a.ingress(post(events, 'k-plain', 'application/json'));
    const again = await instance().ingress(post(events, 'k-plain', 'application/json'));
    // Assess
    expect(refused.statusCode).toBe(400);
    expect(String(bodyOf(refused).message)).toContain('Idempotency-Key');
    expect(first.statusCode).toBe(202);
    const ids = resultsOf(first).map((r) => r.id);
    expect(new Set(ids).size).toBe(5);
    expect(again.statusCode).toBe(202);
    expect(resultsOf(again).map((r) => r.id)).toEqual(ids);
    expect(resultsOf(again).every((r) => r.duplicate)).toBe(true);
    const copies = (await readLog(env.kinesis, STREAM)).filter((c) => ids.includes(c.id));
    expect(copies).toHaveLength(5);
  });

  it('refuses the key with other events, or the same events in another order (409), and writes nothing for them', async () => {
    // Prepare
    const events = [ce('order-a'), ce('order-b')];
    const a = instance();
    expect((await a.ingress(post(events, 'k-order'))).statusCode).toBe(202);
    // Act
    const reordered = await a.ingress(post([...events].reverse(), 'k-order'));
    const other = await a.ingress(post([ce('order-a'), ce('order-c')], 'k-order'));
    // Assess
    expect(reordered.statusCode).toBe(409);
    expect(bodyOf(reordered).code).toBe('IDEMPOTENCY_CONFLICT');
    expect(other.statusCode).toBe(409);
    expect(await log('evt-order-c')).toHaveLength(0);
    expect(await log('evt-order-')).toHaveLength(2);
  });

  it('writes an event repeated in the request once and answers it twice; a repeat with another payload is 409', async () => {
    // Prepare
    const a = instance();
    const twice = [ce('rep-a'), ce('rep-b'), ce('rep-a')];
    const clash = [ce('rep-c'), ce('rep-c', { data: order('rep-other') })];
    // Act
    const ok = await a.ingress(post(twice, 'k-rep'));
    const refused = await a.ingress(post(clash, 'k-clash'));
    // Assess
    expect(ok.statusCode).toBe(202);
    const [first, second, third] = resultsOf(ok);
    expect(third).toEqual({ ...first, duplicate: true });
    expect(second?.duplicate).toBe(false);
    expect(refused.statusCode).toBe(409);
    expect(bodyOf(refused).code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await log('evt-rep-a')).toHaveLength(1);
    expect(await log('evt-rep-c')).toHaveLength(0);
  });

  it('every PutRecords answer lost after Kinesis stored it: 503 "outcome unknown", and the retry finds the batch and writes nothing', async () => {
    // Prepare
    const events = Array.from({ length: 10 }, (_, i) => ce(`lost-${i}`));
    const a = instance();
    const lost = loseResponses(a.kinesis, {
      commands: ['PutRecordsCommand'],
      times: Number.POSITIVE_INFINITY,
    });
    // Act
    let first: Awaited<ReturnType<IngressHandler>>;
    try {
      first = await a.ingress(post(events, 'k-lost'));
    } finally {
      lost.restore();
    }
    const before = (await log('evt-lost-')).length;
    const retry = await a.ingress(post(events, 'k-lost'));
    // Assess
    expect(lost.lost()).toBeGreaterThan(0);
    expect(first.statusCode).toBe(503);
    expect(JSON.stringify(bodyOf(first))).toContain('outcome unknown');
    expect(retry.statusCode).toBe(202);
    expect(resultsOf(retry).every((r) => r.duplicate)).toBe(true);
    const copies = await log('evt-lost-');
    expect(copies).toHaveLength(before);
    expectOnceEach(copies, resultsOf(retry));
  });

  it('Kinesis refuses part of the batch: 429 names what was stored; the claim is kept, and the retry writes only the rest, marked', async () => {
    // Prepare: records 1 and 3 are refused on every call of the first request (never stored).
    const events = Array.from({ length: 6 }, (_, i) => ce(`part-${i}`));
    const a = instance();
    const refusing = refuseRecords(a.kinesis, { pick: (_call, n) => (n === 6 ? [1, 3] : [0, 1]) });
    // Act
    let first: Awaited<ReturnType<IngressHandler>>;
    try {
      first = await a.ingress(post(events, 'k-part'));
    } finally {
      refusing.restore();
    }
    const kept = await claimItem('Idempotency-Key "k-part"');
    const retry = await a.ingress(post(events, 'k-part'));
    // Assess: the claim kept what this request wrote as found, so the retry looks only for 1 and 3.
    expect(Object.keys(JSON.parse(kept?.batchFound?.S ?? '{}')).sort()).toEqual(['0', '2', '4', '5']);
    expect(kept?.uncertain?.BOOL).toBe(true);
    expect(first.statusCode).toBe(429);
    const accepted = (bodyOf(first).results ?? []) as (Result & { index: number })[];
    expect(accepted.map((r) => r.index).sort()).toEqual([0, 2, 4, 5]);
    expect(retry.statusCode).toBe(202);
    const results = resultsOf(retry);
    expect(results.map((r) => r.duplicate)).toEqual([true, false, true, false, true, true]);
    const copies = await log('evt-part-');
    expect(copies).toHaveLength(6);
    expect(
      copies
        .filter((c) => c.marked)
        .map((c) => c.id)
        .sort(),
    ).toEqual(['evt-part-1', 'evt-part-3']);
    expectOnceEach(copies, results);
  });

  it('Kinesis refuses the whole batch: the claim is released, and the retry writes every event afresh, unmarked', async () => {
    // Prepare
    const events = Array.from({ length: 4 }, (_, i) => ce(`none-${i}`));
    const a = instance();
    const refusing = refuseRecords(a.kinesis, { pick: (_call, n) => Array.from({ length: n }, (_, i) => i) });
    // Act
    let first: Awaited<ReturnType<IngressHandler>>;
    try {
      first = await a.ingress(post(events, 'k-none'));
    } finally {
      refusing.restore();
    }
    const retry = await a.ingress(post(events, 'k-none'));
    // Assess
    expect(first.statusCode).toBe(429);
    expect(retry.statusCode).toBe(202);
    expect(resultsOf(retry).every((r) => !r.duplicate)).toBe(true);
    const copies = await log('evt-none-');
    expect(copies).toHaveLength(4);
    expect(copies.every((c) => !c.marked)).toBe(true);
  });

  it('a claimant that died after Kinesis stored part of the batch: 409 while its lease runs, then the retry writes only the rest, marked', async () => {
    // Prepare: the dying instance (lease 3 s) has records 0 and 2 refused, then never sees its answer.
    const events = Array.from({ length: 5 }, (_, i) => ce(`died-${i}`));
    const dying = instance(DYING_LEASE_MS);
    refuseRecords(dying.kinesis, { pick: () => [0, 2] });
    await dieAfterStored(dying.kinesis, () => dying.ingress(post(events, 'k-died')));
    const b = instance();
    // Act
    const during = await b.ingress(post(events, 'k-died'));
    let after = during;
    const until = Date.now() + 30_000;
    while (after.statusCode === 409 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await b.ingress(post(events, 'k-died'));
    }
    // Assess
    expect(during.statusCode).toBe(409);
    expect(bodyOf(during).code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(after.statusCode).toBe(202);
    expect(resultsOf(after).map((r) => r.duplicate)).toEqual([false, true, false, true, true]);
    const copies = await log('evt-died-');
    expect(copies).toHaveLength(5);
    expect(
      copies
        .filter((c) => c.marked)
        .map((c) => c.id)
        .sort(),
    ).toEqual(['evt-died-0', 'evt-died-2']);
    expectOnceEach(copies, resultsOf(after));
  });

  it('a claimant that died after Kinesis stored the whole batch: another instance answers the retry from the log at once', async () => {
    // Prepare
    const events = Array.from({ length: 5 }, (_, i) => ce(`whole-${i}`));
    const dying = instance(60_000);
    await dieAfterStored(dying.kinesis, () => dying.ingress(post(events, 'k-whole')));
    // Act
    const retry = await instance().ingress(post(events, 'k-whole'));
    // Assess
    expect(retry.statusCode).toBe(202);
    expect(resultsOf(retry).every((r) => r.duplicate)).toBe(true);
    const copies = await log('evt-whole-');
    expect(copies).toHaveLength(5);
    expectOnceEach(copies, resultsOf(retry));
  });

  it('the claim stored but its answer lost: the SDK retry is recognised as the same claim, one copy each', async () => {
    // Prepare
    const events = Array.from({ length: 3 }, (_, i) => ce(`claimlost-${i}`));
    const a = instance();
    const lost = loseResponses(a.dynamo, { commands: ['PutItemCommand'], times: 1 });
    // Act
    let first: Awaited<ReturnType<IngressHandler>>;
    try {
      first = await a.ingress(post(events, 'k-claimlost'));
    } finally {
      lost.restore();
    }
    // Assess
    expect(lost.lost()).toBe(1);
    expect(first.statusCode).toBe(202);
    const copies = await log('evt-claimlost-');
    expect(copies).toHaveLength(3);
    expect(copies.every((c) => !c.marked)).toBe(true);
  });
});
