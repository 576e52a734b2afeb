import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { listShards } from '../aws';

/** Port to a stream's shard lineage: after a split or merge, which closed shards a shard continues. */
export interface ShardDirectory {
  /** Parent shard ids of `shardId` (none for an original shard, two after a merge). */
  parentsOf(stream: string, shardId: string): Promise<readonly string[]>;
}

const parentIds = (shard: Shard): string[] =>
  [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => typeof id === 'string');

/**
 * Kinesis adapter: one ListShards walk per stream per container, cached, because lineage never changes
 * once a shard exists. A shard missing from the cache (created by a reshard since) triggers one new
 * walk. ListShards allows 1,000 calls/s per stream, so a cold start costs one call per 1,000 shards.
 */
export const createKinesisShardDirectory = (kinesis: KinesisClient): ShardDirectory => {
  const lineage = new Map<string, Map<string, readonly string[]>>();
  const list = async (stream: string): Promise<Map<string, readonly string[]>> => {
    const shards = new Map<string, readonly string[]>();
    for (const s of await listShards(kinesis, stream)) if (s.ShardId) shards.set(s.ShardId, parentIds(s));
    lineage.set(stream, shards);
    return shards;
  };
  return {
    async parentsOf(stream, shardId) {
      const cached = lineage.get(stream)?.get(shardId);
      if (cached) return cached;
      return (await list(stream)).get(shardId) ?? [];
    },
  };
};

/** In-memory `ShardDirectory` for tests: lineage as given. */
export class MemoryShardDirectory implements ShardDirectory {
  constructor(private readonly parents: Readonly<Record<string, readonly string[]>> = {}) {}

  async parentsOf(_stream: string, shardId: string): Promise<readonly string[]> {
    return this.parents[shardId] ?? [];
  }
}

/** `shardId`'s ancestors, nearest first, each once (a merge's parents may share a grandparent). */
export const ancestorsOf = async (
  shards: ShardDirectory,
  stream: string,
  shardId: string,
): Promise<string[]> => {
  const seen = new Set<string>();
  const queue = [...(await shards.parentsOf(stream, shardId))];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(await shards.parentsOf(stream, next)));
  }
  return [...seen];
};
