import type { EventPublisher } from './publisher';
import type { ConsumerStore, ShardPosition } from './store';

/**
 * Publishes the outbox leftovers of this source shard: entries whose events committed but whose
 * invocation died before it published or deleted them. Each stale entry is claimed (so two
 * invocations never recover the same one), looked up in the log (it may have been published just
 * before the crash) and only published if absent, then deleted. So an emitted event reaches its
 * topic once, even across crashes between commit, publish and delete.
 *
 * With parallelization factor 1 Lambda runs one invocation per shard at a time, so every leftover at
 * the start of an invocation belongs to a dead one and the lease can be 0. With a higher factor,
 * concurrent invocations share the shard: the lease must exceed the function timeout.
 */
export const recoverOutbox = async (
  position: ShardPosition,
  deps: { store: ConsumerStore; publisher: EventPublisher; outboxLeaseMs?: number },
): Promise<number> => {
  const lease = deps.outboxLeaseMs ?? 0;
  const leftovers = (await deps.store.loadOutbox(position)).filter((e) => e.createdAt <= Date.now() - lease);
  if (leftovers.length === 0) return 0;
  const claimed = [];
  for (const entry of leftovers)
    if (await deps.store.claimOutbox(position, entry.sk, lease)) claimed.push(entry);
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
