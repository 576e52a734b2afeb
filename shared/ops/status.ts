import { mapLimit } from '../async';
import { type Catalog, subscriptions } from '../catalog';
import { measureShardLag, type ShardLag } from './lag';
import type { LogReader } from './log-reader';
import { livePositions } from './positions';
import type { CheckpointView, OpsStore } from './store';

export interface ShardStatus extends ShardLag {
  /** The shard checkpoint, or with per-key checkpoints the highest sequence number applied over all keys. */
  readonly checkpoint?: string;
  /** When the checkpointed event arrived (epoch ms). */
  readonly checkpointArrivedAt?: number;
  /** The runtime's last failure on this shard (attempts so far), cleared by the next commit. */
  readonly lastError?: { sequenceNumber: string; attempts: number; error: string };
  /** With per-key checkpoints: how many keys have a marker on this shard. */
  readonly keys?: number;
}

export interface SubscriptionStatus {
  readonly service: string;
  readonly topic: string;
  readonly paused?: boolean;
  /**
   * `shard`: lag counts from the shard checkpoint (exact). `key` (parallelization factor > 1): the
   * runtime keeps one marker per partition key, and lag counts from the highest of them per shard, an
   * approximation: records of a slow key below a fast key's marker are not counted.
   */
  readonly checkpoints: 'shard' | 'key';
  readonly shards: readonly ShardStatus[];
  /** Replay/redrive session checkpoints present for this subscription (scope names). */
  readonly sessions: readonly string[];
}

export interface Status {
  readonly at: number;
  readonly subscriptions: readonly SubscriptionStatus[];
  /** Parked events per service. */
  readonly parked: Readonly<Record<string, number>>;
}

export interface StatusDeps {
  readonly catalog: Catalog;
  readonly reader: LogReader;
  readonly store: OpsStore;
  readonly isPaused?: (service: string, topic: string) => Promise<boolean>;
  readonly now?: () => number;
}

const shardStatus = async (
  deps: StatusDeps,
  topic: string,
  shardId: string,
  live: (CheckpointView & { keys?: number }) | undefined,
  limit: number,
): Promise<ShardStatus> => {
  const now = deps.now?.() ?? Date.now();
  const lag = await measureShardLag(deps.reader, topic, shardId, live?.sequenceNumber, { limit, now });
  return {
    ...lag,
    ...(live?.sequenceNumber && { checkpoint: live.sequenceNumber }),
    ...(live?.arrivedAt !== undefined && { checkpointArrivedAt: live.arrivedAt }),
    ...(live?.failure && { lastError: live.failure }),
    ...(live?.keys !== undefined && { keys: live.keys }),
  };
};

/**
 * Reads in flight at once, per level (subscriptions, then their shards: at most 4 x 4 = 16 shard scans).
 * One after another, the example's 28 shards x subscriptions took 32-99 s in local mode; unbounded, a
 * stack with hundreds of shards would meet Kinesis's 5 GetRecords/s per shard and account-level limits.
 */
const STATUS_CONCURRENCY = 4;

/**
 * Lag of every (service, topic) subscription per shard, from the live checkpoints and a bounded scan
 * of each shard after them, plus each service's parking-lot depth. Read-only. With per-key checkpoints
 * (parallelization factor > 1) a shard's position is the highest of its key markers: see
 * `SubscriptionStatus.checkpoints`.
 */
export const collectStatus = async (
  deps: StatusDeps,
  options: { service?: string; limit?: number } = {},
): Promise<Status> => {
  const subs = subscriptions(deps.catalog).filter(
    ({ service }) => !options.service || service.name === options.service,
  );
  const topics = [...new Set(subs.map(({ subscription }) => subscription.topic))];
  const shardLists = await mapLimit(topics, STATUS_CONCURRENCY, async (topic) =>
    (await deps.reader.shards(topic)).map((s) => s.shardId),
  );
  const shardsByTopic = new Map(topics.map((topic, i) => [topic, shardLists[i] ?? []]));
  const result = await mapLimit(subs, STATUS_CONCURRENCY, async ({ service, subscription }) => {
    const perKey = subscription.parallelizationFactor > 1;
    const { checkpoints, live } = await livePositions(deps.store, service.name, subscription.topic, perKey);
    const shards = await mapLimit(
      shardsByTopic.get(subscription.topic) ?? [],
      STATUS_CONCURRENCY,
      (shardId) => shardStatus(deps, subscription.topic, shardId, live.get(shardId), options.limit ?? 10_000),
    );
    const paused = deps.isPaused ? await deps.isPaused(service.name, subscription.topic) : undefined;
    return {
      service: service.name,
      topic: subscription.topic,
      ...(paused !== undefined && { paused }),
      checkpoints: perKey ? ('key' as const) : ('shard' as const),
      shards,
      sessions: [...new Set(checkpoints.flatMap((c) => (c.scope ? [c.scope] : [])))].sort(),
    };
  });
  const services = [...new Set(subs.map((s) => s.service.name))];
  const counts = await mapLimit(services, STATUS_CONCURRENCY, (name) => deps.store.parkedCount(name));
  const parked: Record<string, number> = Object.fromEntries(
    services.map((name, i) => [name, counts[i] ?? 0]),
  );
  return { at: deps.now?.() ?? Date.now(), subscriptions: result, parked };
};
