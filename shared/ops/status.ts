import { type Catalog, subscriptions } from '../catalog';
import { measureShardLag, type ShardLag } from './lag';
import type { LogReader } from './log-reader';
import type { CheckpointView, OpsStore } from './store';

export interface ShardStatus extends ShardLag {
  readonly checkpoint?: string;
  /** When the checkpointed event arrived (epoch ms). */
  readonly checkpointArrivedAt?: number;
  /** The runtime's last failure on this shard (attempts so far), cleared by the next commit. */
  readonly lastError?: { sequenceNumber: string; attempts: number; error: string };
}

export interface SubscriptionStatus {
  readonly service: string;
  readonly topic: string;
  readonly paused?: boolean;
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
  live: CheckpointView | undefined,
  limit: number,
): Promise<ShardStatus> => {
  const now = deps.now?.() ?? Date.now();
  const lag = await measureShardLag(deps.reader, topic, shardId, live?.sequenceNumber, { limit, now });
  return {
    ...lag,
    ...(live?.sequenceNumber && { checkpoint: live.sequenceNumber }),
    ...(live?.arrivedAt !== undefined && { checkpointArrivedAt: live.arrivedAt }),
    ...(live?.failure && { lastError: live.failure }),
  };
};

/**
 * Lag of every (service, topic) subscription per shard, from the live checkpoints and a bounded scan
 * of each shard after them, plus each service's parking-lot depth. Read-only.
 */
export const collectStatus = async (
  deps: StatusDeps,
  options: { service?: string; limit?: number } = {},
): Promise<Status> => {
  const subs = subscriptions(deps.catalog).filter(
    ({ service }) => !options.service || service.name === options.service,
  );
  const shardsByTopic = new Map<string, string[]>();
  for (const { subscription } of subs)
    if (!shardsByTopic.has(subscription.topic))
      shardsByTopic.set(
        subscription.topic,
        (await deps.reader.shards(subscription.topic)).map((s) => s.shardId),
      );
  const result: SubscriptionStatus[] = [];
  for (const { service, subscription } of subs) {
    const checkpoints = await deps.store.checkpoints(service.name, subscription.topic);
    const live = new Map(checkpoints.filter((c) => !c.scope).map((c) => [c.shardId, c]));
    const shards: ShardStatus[] = [];
    for (const shardId of shardsByTopic.get(subscription.topic) ?? [])
      shards.push(
        await shardStatus(deps, subscription.topic, shardId, live.get(shardId), options.limit ?? 10_000),
      );
    const paused = deps.isPaused ? await deps.isPaused(service.name, subscription.topic) : undefined;
    result.push({
      service: service.name,
      topic: subscription.topic,
      ...(paused !== undefined && { paused }),
      shards,
      sessions: [...new Set(checkpoints.flatMap((c) => (c.scope ? [c.scope] : [])))].sort(),
    });
  }
  const parked: Record<string, number> = {};
  for (const name of new Set(subs.map((s) => s.service.name)))
    parked[name] = await deps.store.parkedCount(name);
  return { at: deps.now?.() ?? Date.now(), subscriptions: result, parked };
};
