import { createHash } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { listShards } from '../aws';
import { decodeEnvelope } from '../envelope';
import { LogSearchIncompleteError } from './errors';
import type { WrittenRecord } from './writer';

export interface LogSearchOptions {
  /** Read from this long before the claim time, for clock skew between the ingress and Kinesis. @default 30_000 */
  readonly skewMs?: number;
  /**
   * A record that arrived (Kinesis' `ApproximateArrivalTimestamp`) more than this after the search
   * started proves that everything before it was read: the shard's search stops there. It covers clock
   * skew between this process and Kinesis. @default 2_000
   */
  readonly arrivalMarginMs?: number;
  /** GetRecords calls per shard before giving up. @default unbounded (the deadline bounds the search) */
  readonly maxCalls?: number;
  /** Epoch ms after which the search gives up: the caller's remaining time less a margin. @default now + 10 s */
  readonly deadline?: number;
  readonly now?: () => number;
}

/** Kinesis maps a partition key to the shard whose hash key range holds MD5(key) as a 128-bit integer. */
export const partitionHash = (partitionKey: string): bigint =>
  BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);

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

/** One event to look for: its id and the partition key it was written under. */
export interface WantedEvent {
  readonly eventId: string;
  readonly partitionKey: string;
}

/**
 * Looks for the records of several events written at or after `since`: in every shard whose hash key
 * range holds one of their keys (after a reshard, parent and child both), from AT_TIMESTAMP
 * `since - skewMs`, each shard read once until one of: its tip (an empty page with nothing behind), the
 * end of a closed shard, or a record that arrived after the search started (everything before it has
 * been read, so a busy shard that never shows an empty page still ends). Used only to recover work that
 * ended unseen (an uncertain or stale idempotency claim, an outbox entry), so its cost (ListShards, one
 * GetShardIterator and a GetRecords per up to 10,000 records or 10 MiB of the shard since then) is paid
 * rarely; GetRecords counts against the shard's 5 reads/s. Throws `LogSearchIncompleteError` when it
 * cannot finish before `deadline` (or `maxCalls`): an undecided search must never be read as "absent".
 */
export const findEventsInLog = async (
  kinesis: KinesisClient,
  streamName: string,
  wanted: readonly WantedEvent[],
  since: number,
  options: LogSearchOptions = {},
): Promise<Map<string, WrittenRecord>> => {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const deadline = options.deadline ?? startedAt + 10_000;
  const maxCalls = options.maxCalls ?? Number.POSITIVE_INFINITY;
  const arrivedAfterStart = startedAt + (options.arrivalMarginMs ?? 2_000);
  const found = new Map<string, WrittenRecord>();
  const byKey = new Map<string, Set<string>>();
  for (const w of wanted) byKey.set(w.partitionKey, (byKey.get(w.partitionKey) ?? new Set()).add(w.eventId));
  const hashes = [...byKey.keys()].map(partitionHash);
  const from = new Date(since - (options.skewMs ?? 30_000));
  for (const shard of (await listShards(kinesis, streamName)).filter((s) =>
    hashes.some((h) => holds(s, h)),
  )) {
    const shardId = shard.ShardId ?? '';
    if (now() > deadline) throw new LogSearchIncompleteError(shardId);
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
    for (let calls = 0; iterator && found.size < wanted.length; calls += 1) {
      if (calls >= maxCalls || now() > deadline) throw new LogSearchIncompleteError(shardId);
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      let passedStart = false;
      for (const record of out.Records ?? []) {
        if ((record.ApproximateArrivalTimestamp?.getTime() ?? 0) > arrivedAfterStart) passedStart = true;
        const ids = record.PartitionKey === undefined ? undefined : byKey.get(record.PartitionKey);
        if (!ids || !record.Data || !record.SequenceNumber) continue;
        const id = idOf(record.Data);
        if (id !== undefined && ids.has(id))
          found.set(id, { shardId, sequenceNumber: record.SequenceNumber });
      }
      if (passedStart) break;
      // At the tip of an open shard: everything written before this call has been read.
      if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) break;
      // A closed shard read to its end answers no next iterator.
      iterator = out.NextShardIterator;
    }
  }
  return found;
};

/** `findEventsInLog` for one event. */
export const findInLog = async (
  kinesis: KinesisClient,
  streamName: string,
  partitionKey: string,
  eventId: string,
  since: number,
  options: LogSearchOptions = {},
): Promise<WrittenRecord | undefined> =>
  (await findEventsInLog(kinesis, streamName, [{ eventId, partitionKey }], since, options)).get(eventId);
