import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DeliveredRecord } from '../shared/cdc';
import type { LocalLogger } from './log';

export interface CdcPollerOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  /** The CDC entry for one batch of one shard; a throw retries the same batch (as the mapping does). */
  readonly deliver: (records: readonly DeliveredRecord[]) => Promise<unknown>;
  /** @default 100 */
  readonly batchSize?: number;
  /** Pause between empty polls. @default 200 */
  readonly pollMs?: number;
  readonly log: LocalLogger;
}

export interface CdcPoller {
  /** Records delivered (acknowledged) so far. */
  delivered(): number;
  stop(): Promise<void>;
}

interface ShardState {
  iterator?: string;
  finished: boolean;
}

/**
 * Plays the DynamoDB stream's event source mapping for a CDC source in local mode: reads each shard
 * from TRIM_HORIZON (the position before the snapshot: the table and its stream exist before it
 * starts), parents before children, and delivers one shard's records per call, retrying a failed batch
 * with backoff and never giving up (the mapping's runtime-owned give-ups). Positions live in memory: a
 * restarted backbone delivers from TRIM_HORIZON again, and the CDC runtime republishes those changes
 * (same ids, not marked), which consumers apply again. Not closed locally; AWS keeps the position.
 */
export const startCdcPoller = (options: CdcPollerOptions): CdcPoller => {
  const shards = new Map<string, ShardState>();
  const batchSize = options.batchSize ?? 100;
  const pollMs = options.pollMs ?? 200;
  let stopping = false;
  let count = 0;

  const refresh = async (): Promise<Shard[]> => {
    const out = await options.streams.send(new DescribeStreamCommand({ StreamArn: options.streamArn }));
    return out.StreamDescription?.Shards ?? [];
  };

  const pollShard = async (shard: Shard, state: ShardState): Promise<boolean> => {
    const ShardId = shard.ShardId ?? '';
    state.iterator ??= (
      await options.streams.send(
        new GetShardIteratorCommand({
          StreamArn: options.streamArn,
          ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    if (!state.iterator) {
      state.finished = true;
      return false;
    }
    const out = await options.streams.send(
      new GetRecordsCommand({ ShardIterator: state.iterator, Limit: batchSize }),
    );
    const records = (out.Records ?? []) as DeliveredRecord[];
    for (let attempt = 0; records.length > 0 && !stopping; attempt++) {
      try {
        await options.deliver(records);
        count += records.length;
        break;
      } catch (error) {
        if (attempt % 10 === 0)
          options.log.warn('cdc batch failed; retrying', { shardId: ShardId, error: String(error) });
        await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
      }
    }
    if (stopping) return false;
    if (out.NextShardIterator) state.iterator = out.NextShardIterator;
    else state.finished = true;
    return records.length > 0;
  };

  const loop = (async () => {
    while (!stopping) {
      let busy = false;
      try {
        for (const shard of await refresh()) {
          const id = shard.ShardId ?? '';
          const state = shards.get(id) ?? { finished: false };
          shards.set(id, state);
          const parent = shard.ParentShardId ? shards.get(shard.ParentShardId) : undefined;
          // Parents first: a child's records of an item come after its parent's.
          if (state.finished || (parent && !parent.finished)) continue;
          if (await pollShard(shard, state)) busy = true;
          if (stopping) return;
        }
      } catch (error) {
        options.log.warn('cdc poll failed; retrying', { error: String(error) });
      }
      if (!busy) await sleep(pollMs);
    }
  })();

  return {
    delivered: () => count,
    async stop() {
      stopping = true;
      await loop;
    },
  };
};
