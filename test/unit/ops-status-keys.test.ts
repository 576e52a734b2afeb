import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { keyMarkerSk } from '../../shared/consumer';
import {
  collectStatus,
  dynamoOpsStore,
  type LogReader,
  type LogRecord,
  scopedShardId,
} from '../../shared/ops';
import { opsCatalog } from '../fixtures/ops/catalog';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const SHARDS = ['shardId-000000000000', 'shardId-000000000001'];
const seq = (n: number) => String(49_600_000_000_000_000_000n + BigInt(n));
const rec = (shardId: string, n: number, key: string): LogRecord => ({
  shardId,
  sequenceNumber: seq(n),
  partitionKey: key,
  arrivedAt: NOW - 100_000 + n * 1000,
  data: '',
});

/** Both shards of `bursts`: shard 0 holds 1..6 (keys a, b), shard 1 holds 10..12 (key c). */
const log = [
  ...[1, 2, 3, 4, 5, 6].map((n) => rec(SHARDS[0] ?? '', n, n % 2 ? 'a' : 'b')),
  ...[10, 11, 12].map((n) => rec(SHARDS[1] ?? '', n, 'c')),
];
const reader: LogReader = {
  shards: async () => SHARDS.map((shardId) => ({ shardId, parents: [] })),
  streamArn: async () => 'arn:aws:kinesis:us-east-1:000000000000:stream/bursts',
  async *read(_topic, shardId, start) {
    const after = start.type === 'AFTER_SEQUENCE_NUMBER' ? BigInt(start.sequenceNumber) : -1n;
    yield log.filter((r) => r.shardId === shardId && BigInt(r.sequenceNumber) > after);
  },
};

const doc = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  doc.reset();
  doc.on(QueryCommand, { TableName: 'parking' }).resolves({ Count: 0 });
});
const markers = (items: Record<string, unknown>[]) =>
  doc.on(QueryCommand, { TableName: 'checkpoints' }).resolves({
    Items: items.map((item) => ({ pk: 'fanout#bursts', ...item })),
  });
const status = async () => {
  const store = dynamoOpsStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), {
    checkpoints: 'checkpoints',
    parking: 'parking',
  });
  const all = await collectStatus(
    { catalog: opsCatalog, reader, store, now: () => NOW },
    { service: 'fanout' },
  );
  const sub = all.subscriptions[0];
  if (!sub) throw new Error('no fanout subscription');
  return sub;
};

describe('collectStatus with per-key checkpoints', () => {
  it('takes the highest key marker per shard as its position: a slow key hides behind a fast one', async () => {
    // Prepare: key a applied up to 5, key b (slow) only up to 2; key c up to 11
    markers([
      { sk: keyMarkerSk(SHARDS[0] ?? '', 'a'), seq: seq(5), arrivedAt: NOW - 95_000 },
      { sk: keyMarkerSk(SHARDS[0] ?? '', 'b'), seq: seq(2), arrivedAt: NOW - 98_000 },
      { sk: keyMarkerSk(SHARDS[1] ?? '', 'c'), seq: seq(11), arrivedAt: NOW - 89_000 },
    ]);
    // Act
    const sub = await status();
    // Assess: shard 0 counts only 6 (b's 4 is hidden); shard 1 counts 12
    expect(sub.checkpoints).toBe('key');
    expect(sub.shards).toEqual([
      expect.objectContaining({ shardId: SHARDS[0], checkpoint: seq(5), keys: 2, events: 1, lagMs: 94_000 }),
      expect.objectContaining({ shardId: SHARDS[1], checkpoint: seq(11), keys: 1, events: 1, lagMs: 88_000 }),
    ]);
  });

  it('reports the newest failure of any key, counts a shard without markers from the start, lists sessions', async () => {
    // Prepare
    const failure = (n: number, error: string) => ({ sequenceNumber: seq(n), attempts: 1, error });
    markers([
      {
        sk: keyMarkerSk(SHARDS[0] ?? '', 'a'),
        seq: seq(5),
        updatedAt: NOW - 5_000,
        failure: failure(3, 'old'),
      },
      {
        sk: keyMarkerSk(SHARDS[0] ?? '', 'b'),
        seq: seq(4),
        updatedAt: NOW - 1_000,
        failure: failure(6, 'new'),
      },
      { sk: keyMarkerSk(scopedShardId(SHARDS[1] ?? '', 'replay-1'), 'c'), seq: seq(12) },
      { sk: SHARDS[1], seq: seq(12) },
    ]);
    // Act
    const sub = await status();
    // Assess: a stray shard checkpoint is ignored; the session marker is not a live position
    expect(sub.shards[0]).toMatchObject({ checkpoint: seq(5), lastError: failure(6, 'new') });
    expect(sub.shards[1]).toMatchObject({ events: 3 });
    expect(sub.shards[1]?.checkpoint).toBeUndefined();
    expect(sub.sessions).toEqual(['replay-1']);
  });
});
