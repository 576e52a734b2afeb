import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { MemoryConsumerStore, type StateWrite, unitOf } from '../../shared/consumer';
import { PendingWrites } from '../../shared/consumer/pending';
import { mockedDynamoStore } from '../fixtures/mocked-dynamo-store';

/**
 * The tombstone sweep (shared/consumer/sweep.ts) against the review of 2026-11-27: one failing entry
 * (AccessDenied on another topic's checkpoint, a throttle) is logged and the others go on (finding 3);
 * a sweep stops when its time is up and the next one reads on after the entries it left (finding 5).
 */
const position = { service: 'counter', topic: 'counts', shardId: 'shardId-000000000000' };
const accessDenied = () =>
  Object.assign(new Error('not authorized to perform: dynamodb:GetItem'), { name: 'AccessDeniedException' });

describe('sweepTombstones', () => {
  it('logs an entry that fails and goes on with the others (finding 3)', async () => {
    // Prepare: three entries; the read of the second one is refused.
    const { client, store } = mockedDynamoStore('parking');
    client.on(QueryCommand).resolves({
      Items: ['a', 'b', 'c'].map((k) => ({ pk: 'sweep#counter', sk: `totals#${k}`, sweepAfter: 0 })),
    });
    client.on(GetCommand).resolves({});
    client.on(GetCommand, { Key: { pk: 'b' } }).rejects(accessDenied());
    client.on(TransactWriteCommand).resolves({});
    const logged: { message: string; fields: Record<string, unknown> }[] = [];

    // Act
    const result = await store.sweepTombstones(position, {
      log: (_level, message, fields) => logged.push({ message, fields }),
    });

    // Assess: a and c (no tombstone left) had their entries dropped; b was logged, without its key.
    const dropped = client
      .commandCalls(TransactWriteCommand)
      .map((c) => c.args[0].input.TransactItems?.[1]?.Delete?.Key?.sk);
    expect(result.removed).toBe(0);
    expect(dropped).toEqual(['totals#a', 'totals#c']);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({
      table: 'totals',
      error: expect.stringContaining('AccessDenied'),
    });
    expect(JSON.stringify(logged)).not.toContain('totals#b');
    client.restore();
  });

  it('starts no entry once its time is up, and the next sweep reads on past the entries left (finding 5)', async () => {
    // Prepare: 30 tombstones of one settled unit, the first 26 still in their grace.
    let now = 1_000;
    const store = new MemoryConsumerStore(['totals'], { tombstoneGraceMs: 0, now: () => now });
    const unit = unitOf(position.topic, position.shardId);
    const deleteOf = (pk: string): StateWrite => ({
      kind: 'delete',
      table: 'totals',
      pk,
      fences: [{ unit, first: '5', last: '5' }],
    });
    const keys = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    for (const [i, chunk] of [keys.slice(0, 26), keys.slice(26)].entries()) {
      now = i === 0 ? 10_000 : 1_000;
      await store.commit({ position, moves: [], writes: chunk.map(deleteOf) });
    }
    await store.commit({
      position,
      moves: [{ sk: position.shardId, expected: undefined, next: { sequenceNumber: '5', arrivedAt: 1 } }],
      writes: [],
    });
    now = 2_000;
    let budget = 3;

    // Act: a sweep with time for three entries, then two more sweeps.
    const short = await store.sweepTombstones(position, { timeLeft: () => budget-- });
    const left = keys.filter((k) => store.raw('totals', k) !== undefined).length;
    const first = await store.sweepTombstones(position);
    const second = await store.sweepTombstones(position);

    // Assess: three entries looked at, none due; the page after them holds the four due ones.
    expect(short).toEqual({ removed: 0, nextDueInMs: 0 });
    expect(left).toBe(30);
    expect(first.removed + second.removed).toBe(4);
    expect(keys.slice(26).map((k) => store.raw('totals', k))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(keys.slice(0, 26).every((k) => store.raw('totals', k) !== undefined)).toBe(true);
  });
});

describe('sweepTombstones with a signal (review R1)', () => {
  it('stops waiting on a call that hangs once its time is up, and leaves the entry for a later sweep', async () => {
    // Prepare: one due entry whose item read never answers (a throttled table's retries, stretched).
    const { client, store } = mockedDynamoStore('parking');
    client.on(QueryCommand).resolves({ Items: [{ pk: 'sweep#counter', sk: 'totals#a', sweepAfter: 0 }] });
    client.on(GetCommand).callsFake(() => new Promise(() => {}));
    const logged: Record<string, unknown>[] = [];
    const started = Date.now();

    // Act
    const result = await store.sweepTombstones(position, {
      signal: AbortSignal.timeout(200),
      log: (_level, _message, fields) => logged.push(fields),
    });
    const tookMs = Date.now() - started;

    // Assess: back soon after the signal (headroom for a loaded machine), nothing removed, the entry
    // left for the next sweep, due at once.
    expect(tookMs).toBeLessThan(5_000);
    expect(result).toEqual({ removed: 0, nextDueInMs: 0 });
    expect(logged).toEqual([{ table: 'totals', error: expect.stringContaining('TimeoutError') }]);
    expect(client.commandCalls(TransactWriteCommand)).toHaveLength(0);
    client.restore();
    // Without the signal the sweep waits forever: fail here, not at the suite's 600 s timeout.
  }, 30_000);
});

describe('PendingWrites and sweep entries (finding 4)', () => {
  it('counts a delete as two transaction items: its write and the sweep entry its tombstone adds', () => {
    // Prepare: 49 events deleting one item each, one checkpoint move: 99 items with their entries.
    const pending = new PendingWrites();
    const del = (n: number): StateWrite => ({ kind: 'delete', table: 'totals', pk: `k${n}` });
    for (let n = 0; n < 49; n++) {
      const at = { sequenceNumber: String(n + 1), arrivedAt: 1 };
      expect(pending.mustCommitBefore([del(n)], [], 'shard')).toBe(false);
      pending.add([del(n)], [], 'shard', undefined, at, n, undefined);
    }

    // Act / Assess: a 50th delete would make 101 items, past the 99 a commit plans for (one kept for the mark).
    expect(pending.mustCommitBefore([del(49)], [], 'shard')).toBe(true);
  });
});
