import { describe, expect, it } from 'vitest';
import {
  auditPk,
  auditSk,
  checkpointKey,
  keyMarkerSk,
  outboxPk,
  outboxSk,
  parkedChunkPk,
  parkedChunkSk,
  parkedPk,
  parkedSk,
  parseCheckpointSk,
  parseParkingItem,
  scopedShardId,
  sessionKey,
  splitShardId,
  subscriptionPk,
} from '../../shared/layout';

/**
 * Pins every stored key format: items already in DynamoDB (checkpoints, markers, outbox, parking,
 * sessions, audit) are found by these exact strings, so changing one here must be a deliberate
 * migration, never a side effect of a refactor.
 */
const shard = { service: 'orders', topic: 'payments', shardId: 'shardId-000000000003' };
const scoped = { ...shard, shardId: scopedShardId(shard.shardId, 'redrive-20261122T100000000Z-a1b2c3') };

describe('storage layout keys', () => {
  it('keeps checkpoint, marker and scope formats', () => {
    expect(subscriptionPk('orders', 'payments')).toBe('orders#payments');
    expect(checkpointKey(shard)).toEqual({ pk: 'orders#payments', sk: 'shardId-000000000003' });
    expect(checkpointKey(scoped)).toEqual({
      pk: 'orders#payments',
      sk: 'shardId-000000000003#redrive-20261122T100000000Z-a1b2c3',
    });
    expect(keyMarkerSk(shard.shardId, 'user-1')).toBe('shardId-000000000003#key#user-1');
    expect(parseCheckpointSk(keyMarkerSk(scoped.shardId, 'a#b'))).toEqual({
      shardId: 'shardId-000000000003',
      scope: 'redrive-20261122T100000000Z-a1b2c3',
      key: 'a#b',
    });
    expect(splitShardId(shard.shardId)).toEqual({ shardId: 'shardId-000000000003' });
  });

  it('keeps outbox, parking, session and audit formats', () => {
    expect(outboxPk(shard)).toBe('orders#payments#shardId-000000000003');
    expect(outboxPk(scoped)).toBe('orders#payments#shardId-000000000003#redrive-20261122T100000000Z-a1b2c3');
    expect(outboxSk('4917', 2)).toBe(`${'0'.repeat(60)}4917#0002`);
    expect(parkedPk('orders')).toBe('orders');
    expect(parkedSk('payments', shard.shardId, '4917')).toBe('payments#shardId-000000000003#4917');
    expect(parkedChunkPk('orders')).toBe('chunks#orders');
    expect(parkedChunkSk('payments#shardId-000000000003#4917', 12)).toBe(
      'payments#shardId-000000000003#4917#0012',
    );
    expect(sessionKey('orders', 'payments', 'redrive')).toEqual({ pk: 'ops#orders#payments', sk: 'redrive' });
    expect(sessionKey('orders', undefined, 'rebuild')).toEqual({ pk: 'ops#orders', sk: 'rebuild' });
    expect(auditPk('orders')).toBe('audit#orders');
    expect(auditSk('2026-11-22T10:00:00.000Z', 'payments#s#1')).toBe('2026-11-22T10:00:00.000Z#payments#s#1');
  });

  it('reads a parking item with its known attributes only, and refuses anything else in the table', () => {
    const item = {
      pk: 'orders',
      sk: 'payments#shardId-000000000003#4917',
      topic: 'payments',
      shardId: 'shardId-000000000003',
      sequenceNumber: '4917',
      partitionKey: 'o-1',
      data: '',
      error: 'boom',
      errorDetails: [{ path: '/a', message: 'bad', extra: 1 }],
      attempts: 3,
      arrivedAt: 1,
      dataChunks: 2,
      dataChars: 700_001,
    };

    const read = parseParkingItem(item);
    const chunk = parseParkingItem({ pk: 'chunks#orders', sk: `${item.sk}#0000`, data: 'x' });
    const damaged = parseParkingItem({ ...item, attempts: '3' });

    expect(read).toEqual({
      pk: 'orders',
      sk: 'payments#shardId-000000000003#4917',
      topic: 'payments',
      shardId: 'shardId-000000000003',
      sequenceNumber: '4917',
      partitionKey: 'o-1',
      data: '',
      error: 'boom',
      errorDetails: [{ path: '/a', message: 'bad' }],
      attempts: 3,
      arrivedAt: 1,
      dataChunks: 2,
    });
    expect([chunk, damaged]).toEqual([undefined, undefined]);
  });
});
