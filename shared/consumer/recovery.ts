import type { OutboxEntry } from './outbox';
import type { EventPublisher } from './publisher';
import type { ConsumerStore, ShardPosition } from './store';

/**
 * Publishes the outbox leftovers of this source shard: entries whose events committed but whose
 * invocation died before it published or deleted them. Each leftover is claimed (so two invocations
 * never recover the same one), looked up in the log (it may have been published just before the
 * crash) and only published if absent, then deleted. So an emitted event reaches its topic once, even
 * across crashes between commit, publish and delete.
 *
 * Which leftovers are this invocation's to recover: Lambda gives a partition key to one batch at a
 * time (at any parallelization factor) and retries a failed batch with the same keys, so the
 * leftovers emitted for the keys of this batch belong to a dead invocation and are recovered at once.
 * Others (keys of a concurrent batch at parallelization > 1) are only taken after `leaseMs`.
 */
export const recoverOutbox = async (
  position: ShardPosition,
  deps: { store: ConsumerStore; publisher: EventPublisher; outboxLeaseMs?: number },
  keys?: ReadonlySet<string>,
): Promise<number> => {
  const lease = deps.outboxLeaseMs ?? 300_000;
  const now = Date.now();
  const mine = (e: OutboxEntry) =>
    keys === undefined || (e.sourceKey !== undefined && keys.has(e.sourceKey)) || e.createdAt <= now - lease;
  const leftovers = (await deps.store.loadOutbox(position)).filter(mine);
  if (leftovers.length === 0) return 0;
  const claimed: OutboxEntry[] = [];
  for (const entry of leftovers) if (await deps.store.claimOutbox(position, entry.sk, 0)) claimed.push(entry);
  if (claimed.length === 0) return 0;
  const since = Math.min(...claimed.map((e) => e.createdAt));
  const already = await deps.publisher.findPublished(claimed, since);
  const missing = claimed.filter((e) => !already.has(e.envelope.id));
  if (missing.length > 0) await deps.publisher.publish(missing);
  await deps.store.deleteOutbox(
    position,
    claimed.map((e) => e.sk),
  );
  return missing.length;
};
