import { createHash } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { decodeEnvelope } from '../envelope';
import { LogSearchIncompleteError } from './errors';
import type { WrittenRecord } from './writer';

export interface LogSearchOptions {
  /** Read from this long before the claim time, for clock skew between the ingress and Kinesis. @default 30_000 */
  readonly skewMs?: number;
  /** GetRecords calls per shard before giving up. @default 100 */
  readonly maxCalls?: number;
  /** Epoch ms after which the search gives up. @default now + 10 s */
  readonly deadline?: number;
  readonly now?: () => number;
}

/** Kinesis maps a partition key to the shard whose hash key range holds MD5(key) as a 128-bit integer. */
export const partitionHash = (partitionKey: string): bigint =>
  BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);

const listShards = async (kinesis: KinesisClient, streamName: string): Promise<Shard[]> => {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const out = await kinesis.send(
      new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }),
    );
    shards.push(...(out.Shards ?? []));
    token = out.NextToken;
  } while (token);
  return shards;
};

const holds = (shard: Shard, hash: bigint): boolean => {
  const range = shard.HashKeyRange;
  if (!range?.StartingHashKey || !range.EndingHashKey) return false;
  return BigInt(range.StartingHashKey) <= hash && hash <= BigInt(range.EndingHashKey);
};

const idOf = (data: Uint8Array): string | undefined => {
  try {
    return decodeEnvelope(data).id;
  } catch {
    return undefined;
  }
};

/**
 * Looks for the record of event `eventId` (partition key `partitionKey`) written at or after `since`: in
 * every shard whose hash key range holds the key (after a reshard, parent and child both), from
 * AT_TIMESTAMP `since - skewMs` to the tip. Used only when a stale idempotency claim is taken over, so its
 * cost (ListShards, one GetShardIterator and a GetRecords per up to 10,000 records or 10 MiB of the shard
 * since the claim) is paid rarely; GetRecords counts against the shard's 5 reads/s.
 * Throws `LogSearchIncompleteError` when it cannot reach the tip within `maxCalls`/`deadline`.
 */
export const findInLog = async (
  kinesis: KinesisClient,
  streamName: string,
  partitionKey: string,
  eventId: string,
  since: number,
  options: LogSearchOptions = {},
): Promise<WrittenRecord | undefined> => {
  const now = options.now ?? Date.now;
  const deadline = options.deadline ?? now() + 10_000;
  const maxCalls = options.maxCalls ?? 100;
  const hash = partitionHash(partitionKey);
  const from = new Date(since - (options.skewMs ?? 30_000));
  for (const shard of (await listShards(kinesis, streamName)).filter((s) => holds(s, hash))) {
    const shardId = shard.ShardId ?? '';
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: from,
        }),
      )
    ).ShardIterator;
    for (let calls = 0; iterator; calls += 1) {
      if (calls >= maxCalls || now() > deadline) throw new LogSearchIncompleteError(shardId);
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of out.Records ?? []) {
        if (record.PartitionKey !== partitionKey || !record.Data || !record.SequenceNumber) continue;
        if (idOf(record.Data) === eventId) return { shardId, sequenceNumber: record.SequenceNumber };
      }
      // At the tip of an open shard: everything written before this call has been read.
      if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) break;
      iterator = out.NextShardIterator;
    }
  }
  return undefined;
};
