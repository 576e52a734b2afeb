import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LookupCache, MemoryConsumerStore, MemoryPublisher, processBatch } from '../../shared/consumer';
import {
  type LogReader,
  type LogRecord,
  measureShardLag,
  parsePosition,
  scopedShardId,
  sendBatch,
  splitShardId,
  toKinesisRecord,
} from '../../shared/ops';
import { createSchemaRegistry } from '../../shared/schemas';
import { opsCatalog } from '../fixtures/ops/catalog';
import { depositRecord, OPS_NOW as NOW, opsSeq as seq } from '../fixtures/ops/records';

const record = (n: number, account = 'a', amount = n): LogRecord =>
  depositRecord(n, account, { amount, arrivedAt: NOW - 60_000 + n * 1000 });

const fakeReader = (records: readonly LogRecord[], pageSize = 2): LogReader => ({
  shards: async () => [{ shardId: 'shardId-000000000000', parents: [] }],
  streamArn: async () => 'arn:aws:kinesis:us-east-1:000000000000:stream/ledger',
  async *read(_topic, _shard, start) {
    const after = start.type === 'AFTER_SEQUENCE_NUMBER' ? BigInt(start.sequenceNumber) : -1n;
    const rest = records.filter((r) => BigInt(r.sequenceNumber) > after);
    for (let i = 0; i < rest.length; i += pageSize) yield rest.slice(i, i + pageSize);
  },
});

describe('parsePosition', () => {
  it.each([
    ['start', { kind: 'start' }],
    ['trim-horizon', { kind: 'start' }],
    ['latest', { kind: 'latest' }],
    ['checkpoint', { kind: 'checkpoint' }],
    [
      '49600000000000000000000000000001',
      { kind: 'sequence', sequenceNumber: '49600000000000000000000000000001' },
    ],
    ['1795341600', { kind: 'time', at: 1_795_341_600_000 }],
    ['1795341600123', { kind: 'time', at: 1_795_341_600_123 }],
    ['15m', { kind: 'time', at: NOW - 900_000 }],
    ['2h ago', { kind: 'time', at: NOW - 7_200_000 }],
    ['-1d', { kind: 'time', at: NOW - 86_400_000 }],
    ['2026-11-22T10:00:00Z', { kind: 'time', at: Date.parse('2026-11-22T10:00:00Z') }],
  ])('reads %s', (text, expected) => {
    expect(parsePosition(text, NOW)).toEqual(expected);
  });

  it('rejects what is not a position, saying what is accepted', () => {
    expect(() => parsePosition('yesterday', NOW)).toThrow(/not a position: use start, latest, checkpoint/);
  });
});

describe('measureShardLag', () => {
  it('counts the records after the checkpoint and the age of the oldest unapplied one', async () => {
    // Prepare
    const reader = fakeReader([1, 2, 3, 4, 5].map((n) => record(n)));
    // Act
    const lag = await measureShardLag(reader, 'ledger', 'shardId-000000000000', seq(2), { now: NOW });
    // Assess
    expect(lag).toEqual({
      shardId: 'shardId-000000000000',
      events: 3,
      capped: false,
      lagMs: 57_000,
      tipAt: NOW - 55_000,
    });
  });

  it('stops counting at the limit and says the lag is at least that', async () => {
    const lag = await measureShardLag(
      fakeReader([1, 2, 3, 4, 5].map((n) => record(n))),
      'ledger',
      'shardId-000000000000',
      undefined,
      {
        limit: 3,
        now: NOW,
      },
    );
    expect(lag).toMatchObject({ events: 3, capped: true });
  });

  it('reports no lag when caught up', async () => {
    const lag = await measureShardLag(fakeReader([record(1)]), 'ledger', 'shardId-000000000000', seq(1), {
      now: NOW,
    });
    expect(lag).toMatchObject({ events: 0, lagMs: 0, capped: false });
  });
});

describe('sendBatch', () => {
  const shape = { streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/ledger', region: 'us-east-1' };
  const options = { service: 'accounts', topic: 'ledger', shape, maxAttempts: 2, sleep: async () => {} };

  it('retries from the first failed record until the consumer accepts the rest', async () => {
    // Prepare
    const answers: KinesisStreamBatchResponse[] = [
      { batchItemFailures: [{ itemIdentifier: seq(2) }] },
      { batchItemFailures: [] },
    ];
    const calls: string[][] = [];
    let delivered = 0;
    // Act
    await sendBatch(
      {
        deliver: async (_s, _t, records) => {
          calls.push(records.map((r) => r.kinesis.sequenceNumber));
          return answers.shift();
        },
      },
      [1, 2, 3].map((n) => record(n)),
      { ...options, onDelivered: (n) => (delivered += n) },
    );
    // Assess
    expect(calls).toEqual([
      [seq(1), seq(2), seq(3)],
      [seq(2), seq(3)],
    ]);
    expect(delivered).toBe(3);
  });

  it('gives up on an event the consumer neither applies nor parks', async () => {
    const stuck = { deliver: async () => ({ batchItemFailures: [{ itemIdentifier: seq(1) }] }) };
    await expect(sendBatch(stuck, [record(1)], options)).rejects.toThrow(/still fails after 5 deliveries/);
  });

  it('rejects an itemIdentifier that is not in the batch', async () => {
    const wrong = { deliver: async () => ({ batchItemFailures: [{ itemIdentifier: 'nope' }] }) };
    await expect(sendBatch(wrong, [record(1)], options)).rejects.toMatchObject({ code: 'DELIVERY_FAILED' });
  });
});

describe('session scope through the unmodified runtime', () => {
  const schemas = createSchemaRegistry(opsCatalog);
  const shape = { streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/ledger', region: 'us-east-1' };
  const run = (store: MemoryConsumerStore, records: KinesisStreamRecord[], applied: string[]) =>
    processBatch(records, {
      catalog: opsCatalog,
      publisher: new MemoryPublisher(),
      lookups: new LookupCache(),
      service: 'accounts',
      topic: 'ledger',
      handler: async (event, ctx) => {
        applied.push(event.id);
        ctx.put('balances', { pk: event.id, seen: true });
      },
      store,
      schemas,
      maxAttempts: 2,
    });

  it('splits and joins scoped shard ids', () => {
    expect(scopedShardId('shardId-000000000000', 'rebuild-20261122T120000Z')).toBe(
      'shardId-000000000000#rebuild-20261122T120000Z',
    );
    expect(splitShardId('shardId-000000000000#redrive-1')).toEqual({
      shardId: 'shardId-000000000000',
      scope: 'redrive-1',
    });
    expect(splitShardId('shardId-000000000000')).toEqual({ shardId: 'shardId-000000000000' });
  });

  it('re-applies events the live checkpoint passed, once per session, with its own checkpoint', async () => {
    // Prepare: live delivery applied events 1..3
    const store = new MemoryConsumerStore(['balances']);
    const live: string[] = [];
    const records = [1, 2, 3].map((n) => record(n));
    await run(
      store,
      records.map((r) => toKinesisRecord(r, shape)),
      live,
    );
    // Act: a session delivers them twice, then live delivery sees them again
    const session: string[] = [];
    const scoped = records.map((r) => toKinesisRecord(r, { ...shape, scope: 'replay-1' }));
    await run(store, scoped, session);
    await run(store, scoped, session);
    await run(
      store,
      records.map((r) => toKinesisRecord(r, shape)),
      live,
    );
    // Assess
    expect(live).toEqual(['e-1', 'e-2', 'e-3']);
    expect(session).toEqual(['e-1', 'e-2', 'e-3']);
    expect([...store.checkpoints.keys()].sort()).toEqual([
      'accounts#ledger/shardId-000000000000',
      'accounts#ledger/shardId-000000000000#replay-1',
    ]);
  });
});
