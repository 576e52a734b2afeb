import {
  KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { listShards } from '../../shared/aws';

const shard = (id: number, parent?: number): Shard => ({
  ShardId: `shardId-${String(id).padStart(12, '0')}`,
  ...(parent === undefined ? {} : { ParentShardId: `shardId-${String(parent).padStart(12, '0')}` }),
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
  SequenceNumberRange: { StartingSequenceNumber: '0' },
});

/** ListShards as Kinesis answers it: pages by NextToken, and rejects a StreamName next to a NextToken. */
const fakeListShards = (stream: string, pages: readonly (readonly Shard[])[]) => {
  const client = new KinesisClient({ region: 'us-east-1', maxAttempts: 1 });
  mockClient(client)
    .on(ListShardsCommand)
    .callsFake((input: ListShardsCommandInput) => {
      if (input.NextToken !== undefined && input.StreamName !== undefined)
        throw Object.assign(new Error('NextToken and StreamName cannot be provided together.'), {
          name: 'InvalidArgumentException',
        });
      const index = input.NextToken === undefined ? 0 : Number(input.NextToken.replace('page-', ''));
      if (input.NextToken === undefined && input.StreamName !== stream)
        throw Object.assign(new Error(`Stream ${input.StreamName} not found`), {
          name: 'ResourceNotFoundException',
        });
      const next = index + 1 < pages.length ? `page-${index + 1}` : undefined;
      return { Shards: [...(pages[index] ?? [])], ...(next ? { NextToken: next } : {}) };
    });
  return client;
};

describe('listShards', () => {
  it('returns the shards of every page, in order, following NextToken without the stream name', async () => {
    // Prepare
    const kinesis = fakeListShards('orders', [
      [shard(0), shard(1)],
      [shard(2, 0), shard(3, 0)],
    ]);

    // Act
    const shards = await listShards(kinesis, 'orders');

    // Assess
    expect(shards.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000002',
      'shardId-000000000003',
    ]);
    expect(shards[2]?.ParentShardId).toBe('shardId-000000000000');
  });

  it('returns no shards for a page without a Shards list', async () => {
    // Prepare
    const kinesis = fakeListShards('orders', [[]]);

    // Act
    const shards = await listShards(kinesis, 'orders');

    // Assess
    expect(shards).toEqual([]);
  });

  it('passes a Kinesis error on', async () => {
    // Prepare
    const kinesis = fakeListShards('orders', [[shard(0)]]);

    // Act
    const listing = listShards(kinesis, 'payments');

    // Assess
    await expect(listing).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
