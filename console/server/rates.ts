import type { LogReader } from '../../shared/ops';

/**
 * Records per second of each topic between two samples: every open shard is read from the previous
 * sample's time (AT_TIMESTAMP) and the records that arrived before this sample's time are counted.
 * Stateless between samples apart from that time, so a reshard or a restart costs nothing. Each sample
 * costs one GetShardIterator and one GetRecords per shard (more if the shard took >1000 records): on a
 * deployed stack that is a share of the shard's 5 reads/s, which is why the deployed interval is long.
 */
export const measureRates = async (
  reader: LogReader,
  shardsByTopic: ReadonlyMap<string, readonly string[]>,
  since: number,
  until: number,
): Promise<Map<string, number>> => {
  const seconds = Math.max(0.001, (until - since) / 1000);
  const countShard = async (topic: string, shardId: string) => {
    let count = 0;
    for await (const page of reader.read(topic, shardId, { type: 'AT_TIMESTAMP', at: since })) {
      count += page.filter((r) => r.arrivedAt >= since && r.arrivedAt < until).length;
      if ((page.at(-1)?.arrivedAt ?? 0) >= until) break;
    }
    return count;
  };
  const rates = new Map<string, number>();
  for (const [topic, shards] of shardsByTopic) {
    let count = 0;
    for (const shardId of shards) count += await countShard(topic, shardId);
    rates.set(topic, count / seconds);
  }
  return rates;
};
