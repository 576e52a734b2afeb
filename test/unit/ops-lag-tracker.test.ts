import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  collectStatus,
  dynamoOpsStore,
  LagTracker,
  type LogReader,
  type LogRecord,
  type ShardStart,
  ShardWindow,
} from '../../shared/ops';
import { opsCatalog } from '../fixtures/ops/catalog';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const S0 = 'shardId-000000000000';
const S1 = 'shardId-000000000001';
const seq = (n: number) => String(49_600_000_000_000_000_000n + BigInt(n));
const rec = (shardId: string, n: number): LogRecord => ({
  shardId,
  sequenceNumber: seq(n),
  partitionKey: `k${n}`,
  arrivedAt: NOW - 100_000 + n * 1000,
  data: '',
});

/** A log per topic (`bursts` has two shards, the others one) that records every read's start. */
const fakeLog = () => {
  const records = new Map<string, LogRecord[]>();
  const reads: { topic: string; shardId: string; start: ShardStart }[] = [];
  const append = (topic: string, shardId: string, ...ns: number[]) =>
    records.set(`${topic}/${shardId}`, [
      ...(records.get(`${topic}/${shardId}`) ?? []),
      ...ns.map((n) => rec(shardId, n)),
    ]);
  const reader: LogReader = {
    shards: async (topic) =>
      (topic === 'bursts' ? [S0, S1] : [S0]).map((shardId) => ({ shardId, parents: [] })),
    streamArn: async (topic) => `arn:aws:kinesis:us-east-1:000000000000:stream/${topic}`,
    async *read(topic, shardId, start) {
      reads.push({ topic, shardId, start });
      const after = start.type === 'AFTER_SEQUENCE_NUMBER' ? BigInt(start.sequenceNumber) : -1n;
      const rest = (records.get(`${topic}/${shardId}`) ?? []).filter((r) => BigInt(r.sequenceNumber) > after);
      for (let i = 0; i < rest.length; i += 2) yield rest.slice(i, i + 2);
    },
  };
  return { reader, reads, append };
};

const doc = mockClient(DynamoDBDocumentClient);
/** Live shard checkpoints by `service#topic`: shard id to sequence number. */
let checkpoints: Record<string, Record<string, number>> = {};
beforeEach(() => {
  doc.reset();
  checkpoints = {};
  doc.on(QueryCommand, { TableName: 'parking' }).resolves({ Count: 0 });
  doc
    .on(QueryCommand, { TableName: 'checkpoints' })
    .callsFake((input: { ExpressionAttributeValues?: Record<string, unknown> }) => {
      const pk = String(input.ExpressionAttributeValues?.[':pk']);
      return {
        Items: Object.entries(checkpoints[pk] ?? {}).map(([sk, n]) => ({
          pk,
          sk,
          seq: seq(n),
          arrivedAt: NOW,
        })),
      };
    });
});
const store = () =>
  dynamoOpsStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), {
    checkpoints: 'checkpoints',
    parking: 'parking',
  });
const lagOf = (status: {
  subscriptions: readonly { service: string; shards: readonly { events: number }[] }[];
}) => Object.fromEntries(status.subscriptions.map((s) => [s.service, s.shards.map((sh) => sh.events)]));

describe('LagTracker', () => {
  it('counts the same lag as collectStatus with one read per shard instead of one per subscription and shard', async () => {
    // Prepare: ledger has two subscribers (accounts at 3, late at 5); bursts two shards
    const { reader, reads, append } = fakeLog();
    append('ledger', S0, 1, 2, 3, 4, 5, 6, 7);
    append('bursts', S0, 1, 2);
    append('bursts', S1, 10, 11, 12);
    checkpoints = { 'accounts#ledger': { [S0]: 3 }, 'late#ledger': { [S0]: 5 }, 'fanout#bursts': {} };
    const deps = { catalog: opsCatalog, reader, store: store(), now: () => NOW };
    const full = await collectStatus(deps);
    const fullReads = reads.length;
    reads.length = 0;

    // Act
    const light = await new LagTracker(deps).sample();

    // Assess
    expect(lagOf(light)).toEqual(lagOf(full));
    expect(lagOf(light)).toMatchObject({ accounts: [4], late: [2] });
    expect(light.subscriptions.find((s) => s.service === 'accounts')?.shards[0]).toMatchObject({
      lagMs: 96_000,
      capped: false,
      checkpoint: seq(3),
    });
    const shardCount = opsCatalog.topics.length + 1;
    expect(reads).toHaveLength(shardCount);
    expect(fullReads).toBeGreaterThan(shardCount);
    expect(light.cost).toMatchObject({ getShardIterator: shardCount, listShards: opsCatalog.topics.length });
  });

  it('reads only what arrived since the last sample, and lag follows new records and checkpoints', async () => {
    // Prepare
    const { reader, reads, append } = fakeLog();
    append('ledger', S0, 1, 2, 3);
    checkpoints = { 'accounts#ledger': { [S0]: 3 }, 'late#ledger': { [S0]: 3 } };
    let clock = NOW - 96_500; // between records 3 and 4
    const tracker = new LagTracker(
      { catalog: opsCatalog, reader, store: store(), now: () => clock },
      { shardListMs: 600_000 },
    );
    const first = await tracker.sample();
    clock = NOW;

    // Act: 4 more records; accounts applies two of them
    append('ledger', S0, 4, 5, 6, 7);
    checkpoints['accounts#ledger'] = { [S0]: 5 };
    reads.length = 0;
    const second = await tracker.sample();

    // Assess
    expect(lagOf(first)).toMatchObject({ accounts: [0], late: [0] });
    expect(lagOf(second)).toMatchObject({ accounts: [2], late: [4] });
    expect(reads.filter((r) => r.topic === 'ledger')).toEqual([
      { topic: 'ledger', shardId: S0, start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: seq(3) } },
    ]);
    expect(second.arrived).toMatchObject({ ledger: 4 });
    expect(second.cost.listShards).toBe(0);
  });

  it('catches a backlog up over samples, showing "at least" until it reaches the tip', async () => {
    // Prepare: 9 records, pages of 2, one page per sample (and the one that shows whether it is the tip)
    const { reader, append } = fakeLog();
    append('ledger', S0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    const tracker = new LagTracker(
      { catalog: opsCatalog, reader, store: store(), now: () => NOW },
      { pagesPerSample: 1 },
    );

    // Act
    const samples = [await tracker.sample(), await tracker.sample(), await tracker.sample()];

    // Assess
    const accounts = samples.map((s) => s.subscriptions.find((x) => x.service === 'accounts')?.shards[0]);
    expect(samples[1]?.arrived).toMatchObject({ ledger: 0 }); // caught up, but arrived before sampling began
    expect(accounts.map((s) => [s?.events, s?.capped])).toEqual([
      [4, true],
      [8, true],
      [9, false],
    ]);
  });
});

describe('LagTracker with a reader that keeps its place (LogReader.page)', () => {
  /** The fake log behind `page`: `next` is the index after the page; `expired` ones throw. */
  const pagedLog = () => {
    const log = fakeLog();
    const calls: string[] = [];
    const expired = new Set<string>();
    const reader: LogReader = {
      ...log.reader,
      async page(topic, shardId, from) {
        const all: LogRecord[] = [];
        for await (const page of log.reader.read(topic, shardId, { type: 'TRIM_HORIZON' })) all.push(...page);
        let at: number;
        if ('next' in from) {
          calls.push(`GetRecords(${from.next})`);
          if (expired.has(from.next)) throw new Error('ExpiredIteratorException');
          at = Number(from.next.split('@')[1]);
        } else {
          calls.push('GetShardIterator', 'GetRecords');
          const after = from.type === 'AFTER_SEQUENCE_NUMBER' ? BigInt(from.sequenceNumber) : -1n;
          at = all.findIndex((r) => BigInt(r.sequenceNumber) > after);
          if (at < 0) at = all.length;
        }
        const records = all.slice(at, at + 2);
        const next = `${topic}/${shardId}@${at + records.length}`;
        return { records, next, atTip: at + records.length >= all.length };
      },
    };
    return { ...log, reader, calls, expired };
  };

  it('reads with one GetRecords per shard once it has an iterator, and starts again after an expired one', async () => {
    // Prepare
    const { reader, append, calls, expired } = pagedLog();
    append('ledger', S0, 1, 2, 3);
    checkpoints = { 'accounts#ledger': { [S0]: 1 }, 'late#ledger': { [S0]: 1 } };
    const tracker = new LagTracker({ catalog: opsCatalog, reader, store: store(), now: () => NOW });
    await tracker.sample();
    calls.length = 0;

    // Act: two new records, then an expired iterator and one more record
    append('ledger', S0, 4, 5);
    const second = await tracker.sample();
    const secondCalls = calls.splice(0);
    expired.add(`ledger/${S0}@5`);
    append('ledger', S0, 6);
    const third = await tracker.sample();

    // Assess
    expect(secondCalls).toContain(`GetRecords(ledger/${S0}@3)`);
    expect(secondCalls).not.toContain('GetShardIterator');
    expect(second.cost.getShardIterator).toBe(0);
    expect(lagOf(second)).toMatchObject({ accounts: [4], late: [4] });
    expect(calls.filter((c) => c.includes('ledger') || c === 'GetShardIterator')).toEqual([
      `GetRecords(ledger/${S0}@5)`,
      'GetShardIterator',
    ]);
    expect(lagOf(third)).toMatchObject({ accounts: [5], late: [5] });
    expect(third.subscriptions.find((s) => s.service === 'accounts')?.shards[0]?.capped).toBe(false);
  });
});

describe('ShardWindow', () => {
  it('keeps the newest records and counts a checkpoint older than them as "at least"', () => {
    // Prepare
    const window = new ShardWindow(S0, undefined, 3);
    window.atTip = true;

    // Act
    window.append([1, 2, 3, 4, 5].map((n) => rec(S0, n)));

    // Assess
    expect(window.lag(seq(1), NOW)).toMatchObject({ events: 3, capped: true });
    expect(window.lag(seq(3), NOW)).toMatchObject({ events: 2, capped: false });
    expect(window.lag(seq(5), NOW)).toMatchObject({ events: 0, capped: false, lagMs: 0 });
    expect(window.lag(undefined, NOW)).toMatchObject({ events: 3, capped: true });
    expect(window.resumeAfter).toBe(seq(5));
  });

  it('counts nothing before the position it started after', () => {
    // Prepare
    const window = new ShardWindow(S0, seq(10), 100);
    window.atTip = true;

    // Act
    window.append([11, 12].map((n) => rec(S0, n)));

    // Assess
    expect(window.lag(seq(10), NOW)).toMatchObject({ events: 2, capped: false });
    expect(window.lag(seq(4), NOW)).toMatchObject({ events: 2, capped: true });
  });
});
