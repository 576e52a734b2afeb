import { type KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';

/**
 * Every shard of `streamName` that ListShards still lists (open, closed, not yet expired), walking
 * every page. A page holds up to 1,000 shards (the default MaxResults when none is given) and the call
 * allows 1,000 requests/s per stream, so a walk costs one call per 1,000 shards. A continuation call
 * sends only the NextToken: ListShards rejects a StreamName next to one.
 *
 * @example
 * const open = (await listShards(kinesis, 'orders')).filter(
 *   (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined,
 * );
 */
export const listShards = async (kinesis: KinesisClient, streamName: string): Promise<Shard[]> => {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await kinesis.send(
      new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  return shards;
};
