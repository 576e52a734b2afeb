import { compareSequence } from '../consumer';
import type { CheckpointView, KeyMarkerView, OpsStore } from './store';

/**
 * One position per shard from its live key markers: the highest applied sequence number (lag counts
 * after it) and the most recently recorded failure of any key on the shard.
 */
const positionsFromKeys = (
  markers: readonly KeyMarkerView[],
): Map<string, CheckpointView & { keys: number }> => {
  const byShard = new Map<string, KeyMarkerView[]>();
  for (const m of markers) byShard.set(m.shardId, [...(byShard.get(m.shardId) ?? []), m]);
  const position = (shardId: string, keys: readonly KeyMarkerView[]) => {
    let newest: KeyMarkerView | undefined;
    for (const m of keys)
      if (
        m.sequenceNumber !== undefined &&
        (newest?.sequenceNumber === undefined || compareSequence(m.sequenceNumber, newest.sequenceNumber) > 0)
      )
        newest = m;
    const failing = keys.filter((m) => m.failure).sort((x, y) => (y.updatedAt ?? 0) - (x.updatedAt ?? 0))[0];
    return {
      shardId,
      keys: keys.length,
      ...(newest?.sequenceNumber !== undefined && { sequenceNumber: newest.sequenceNumber }),
      ...(newest?.arrivedAt !== undefined && { arrivedAt: newest.arrivedAt }),
      ...(failing?.failure && { failure: failing.failure }),
    };
  };
  return new Map([...byShard].map(([shardId, keys]) => [shardId, position(shardId, keys)]));
};

/** A subscription's checkpoints (for the session scopes) and its live position per shard. */
export const livePositions = async (store: OpsStore, service: string, topic: string, perKey: boolean) => {
  if (perKey) {
    const markers = await store.keyMarkers(service, topic);
    return { checkpoints: markers, live: positionsFromKeys(markers.filter((m) => !m.scope)) };
  }
  const checkpoints = await store.checkpoints(service, topic);
  const live = new Map<string, CheckpointView & { keys?: number }>(
    checkpoints.filter((c) => !c.scope).map((c) => [c.shardId, c]),
  );
  return { checkpoints, live };
};
