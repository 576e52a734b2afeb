import type { LogReader, ShardStart } from './log-reader';

/** How far one subscription is behind on one shard. */
export interface ShardLag {
  readonly shardId: string;
  /** Records after the checkpoint up to the tip, counted up to `limit`. */
  readonly events: number;
  /** True when counting stopped at `limit`: the lag is at least `events`. */
  readonly capped: boolean;
  /** Age of the oldest record not yet applied (0 when caught up): how late the consumer is. */
  readonly lagMs: number;
  /** Arrival time of the newest record seen (the tip), if any. */
  readonly tipAt?: number;
}

/** The pure half of lag: what a bounded scan after the checkpoint saw. */
export const summarizeLag = (
  shardId: string,
  scan: { count: number; capped: boolean; oldestAt?: number; newestAt?: number },
  now: number,
): ShardLag => ({
  shardId,
  events: scan.count,
  capped: scan.capped,
  lagMs: scan.oldestAt === undefined ? 0 : Math.max(0, now - scan.oldestAt),
  ...(scan.newestAt !== undefined && { tipAt: scan.newestAt }),
});

/**
 * Counts the records after `checkpoint` on a shard, up to `limit` (each 1000 records cost one
 * GetRecords call on the shard, shared with live consumers; the default bound keeps `status` to a few
 * calls per shard). Without a checkpoint everything in retention counts as lag.
 */
export const measureShardLag = async (
  reader: LogReader,
  topic: string,
  shardId: string,
  checkpoint: string | undefined,
  options: { limit?: number; now?: number } = {},
): Promise<ShardLag> => {
  const limit = options.limit ?? 10_000;
  const start: ShardStart = checkpoint
    ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint }
    : { type: 'TRIM_HORIZON' };
  const scan = {
    count: 0,
    capped: false,
    oldestAt: undefined as number | undefined,
    newestAt: undefined as number | undefined,
  };
  for await (const page of reader.read(topic, shardId, start)) {
    scan.oldestAt ??= page[0]?.arrivedAt;
    scan.newestAt = page.at(-1)?.arrivedAt ?? scan.newestAt;
    scan.count += page.length;
    if (scan.count >= limit) {
      scan.capped = true;
      scan.count = limit;
      break;
    }
  }
  return summarizeLag(shardId, scan, options.now ?? Date.now());
};
