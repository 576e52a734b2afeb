import { createHash } from 'node:crypto';
import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { listShards } from '../aws';
import { decodeEnvelope, type Envelope } from '../envelope';
import { withinDeadline } from './deadline';
import {
  isDeadlineReachedError,
  isLogSearchTrimmedError,
  LogSearchIncompleteError,
  LogSearchTrimmedError,
} from './errors';
import { MIN_RETENTION_MS, streamRetentionHours } from './retention';
import type { WrittenRecord } from './writer';

export interface LogSearchOptions {
  /** Read from this long before the claim time, for clock skew between the ingress and Kinesis. @default 30_000 */
  readonly skewMs?: number;
  /**
   * A record that arrived (Kinesis' `ApproximateArrivalTimestamp`) more than this after the search
   * started proves that everything before it was read: the shard's search stops there. Arrival stamps
   * carry no accuracy guarantee, so this is the same skew the start allows (`skewMs`): a smaller margin
   * took a record stamped a few seconds ahead for the end and stopped one page short of the event. The
   * usual end is the tip (`MillisBehindLatest` 0); this only ends a shard whose reader never catches up.
   * @default skewMs
   */
  readonly arrivalMarginMs?: number;
  /** GetRecords calls per shard before giving up. @default unbounded (the deadline bounds the search) */
  readonly maxCalls?: number;
  /** Epoch ms after which the search gives up: the caller's remaining time less a margin. @default now + 10 s */
  readonly deadline?: number;
  /**
   * Epoch ms after which no copy of the events can have been written (the latest lease end of their
   * claimants, whose writers send nothing after it): a shard's search stops at a record that arrived more
   * than `skewMs` after it, so it reads a bounded stretch of the shard however old the claim. @default none
   */
  readonly until?: number;
  /** Shard id -> the last sequence number an earlier search read: that shard resumes after it. */
  readonly resume?: Readonly<Record<string, string>>;
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

/** What of a record's envelope tells whose event it is; undefined for a record that is no envelope. */
const identityOf = (data: Uint8Array): { id: string; source: string; type: string } | undefined => {
  try {
    const { id, source, type } = decodeEnvelope(data);
    return { id, source, type };
  } catch {
    return undefined;
  }
};

/**
 * One event to look for: its id and the partition key it was written under, and, where ids may repeat
 * across sources (CloudEvents makes an id unique per `source` only), its `source` and `type`. The
 * ingress keys an event by (producer, topic, source, id): the topic is the stream searched, and the
 * catalog gives every type one writer, so the type stands for the producer. A record matches only when
 * every given member is equal: another source's (or producer's) event with the same id is not ours.
 */
export interface WantedEvent {
  readonly eventId: string;
  readonly partitionKey: string;
  readonly source?: string;
  readonly type?: string;
}

/** The event of `envelope` as the ingress looks for it: by everything its idempotency key is made of. */
export const wantedOf = (envelope: Envelope): WantedEvent => ({
  eventId: envelope.id,
  partitionKey: envelope.partitionkey,
  source: envelope.source,
  type: envelope.type,
});

const matches = (w: WantedEvent, record: { id: string; source: string; type: string }): boolean =>
  w.eventId === record.id &&
  (w.source === undefined || w.source === record.source) &&
  (w.type === undefined || w.type === record.type);

/**
 * Looks for the records of several events written at or after `since` and answers, in `wanted`'s order,
 * the first record matching each (see `WantedEvent`) or undefined: in every shard whose hash key
 * range holds one of their keys (after a reshard, parent and child both), from AT_TIMESTAMP
 * `since - skewMs` (or after `resume`'s sequence number), each shard read once until one of: its tip (a
 * page with `MillisBehindLatest` 0, records or not, so a busy shard ends too), the end of a closed shard,
 * or a record that arrived more than `skewMs` after the search started or after `until` (everything
 * before it has been read, under the same skew the start allows; an old claim's search reads only its
 * own stretch). Used only to recover work that
 * ended unseen (an uncertain or stale idempotency claim, an outbox entry), so its cost (ListShards, one
 * GetShardIterator and a GetRecords per up to 10,000 records or 10 MiB of the shard since then) is paid
 * rarely; GetRecords counts against the shard's 5 reads/s. Throws `LogSearchIncompleteError` (with where
 * each shard stopped, and the records found before that: a search resumed there does not see them again)
 * when it cannot finish before `deadline` (or `maxCalls`) or a read fails, and `LogSearchTrimmedError` when it would call an event absent from a stretch the stream no longer holds:
 * an undecided search must never be read as "absent".
 */
export const findRecordsInLog = async (
  kinesis: KinesisClient,
  streamName: string,
  wanted: readonly WantedEvent[],
  since: number,
  options: LogSearchOptions = {},
): Promise<(WrittenRecord | undefined)[]> => {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const deadline = options.deadline ?? startedAt + 10_000;
  const maxCalls = options.maxCalls ?? Number.POSITIVE_INFINITY;
  const skewMs = options.skewMs ?? 30_000;
  // A record that arrived after this proves that everything before it was read.
  const stopAfter = Math.min(
    startedAt + (options.arrivalMarginMs ?? skewMs),
    (options.until ?? Number.POSITIVE_INFINITY) + skewMs,
  );
  const found: (WrittenRecord | undefined)[] = wanted.map(() => undefined);
  let foundCount = 0;
  const progress: Record<string, string> = { ...options.resume };
  // Partition key -> the indexes in `wanted` of the events written under it.
  const byKey = new Map<string, number[]>();
  wanted.forEach((w, i) => {
    byKey.set(w.partitionKey, [...(byKey.get(w.partitionKey) ?? []), i]);
  });
  const hashes = [...byKey.keys()].map(partitionHash);
  const from = new Date(since - skewMs);
  // Undecided: what was read and what was found in it count for the caller (see LogSearchIncompleteError).
  const incomplete = (where: string, cause?: unknown) =>
    new LogSearchIncompleteError(where, cause === undefined ? undefined : { cause }, progress, found);
  // Every call is cut at the deadline (not only checked between calls): undecided, what was read counts.
  const timed = async <T>(where: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await withinDeadline(deadline, now, call);
    } catch (cause) {
      if (isDeadlineReachedError(cause)) throw incomplete(where, cause);
      throw cause;
    }
  };
  // ListShards is raced but not aborted (shared/aws's listShards takes no signal): its answer is dropped.
  const shards = await timed(streamName, () => listShards(kinesis, streamName));
  for (const shard of shards.filter((s) => hashes.some((h) => holds(s, h)))) {
    const shardId = shard.ShardId ?? '';
    if (now() > deadline) throw incomplete(shardId);
    const after = progress[shardId];
    let iterator = (
      await timed(shardId, (abortSignal) =>
        kinesis.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shardId,
            ...(after
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
              : { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: from }),
          }),
          { abortSignal },
        ),
      )
    ).ShardIterator;
    for (let calls = 0; iterator && foundCount < wanted.length; calls += 1) {
      if (calls >= maxCalls || now() > deadline) throw incomplete(shardId);
      let out: GetRecordsCommandOutput;
      try {
        const shardIterator = iterator;
        out = await withinDeadline(deadline, now, (abortSignal) =>
          kinesis.send(new GetRecordsCommand({ ShardIterator: shardIterator }), { abortSignal }),
        );
      } catch (cause) {
        // Throttled (5 reads/s and 2 MB/s per shard, shared with the consumers), unreachable or cut at the
        // deadline: what was read so far still counts for the next search.
        throw incomplete(shardId, cause);
      }
      let passedEnd = false;
      for (const record of out.Records ?? []) {
        if ((record.ApproximateArrivalTimestamp?.getTime() ?? 0) > stopAfter) passedEnd = true;
        if (record.SequenceNumber) progress[shardId] = record.SequenceNumber;
        const indexes = record.PartitionKey === undefined ? undefined : byKey.get(record.PartitionKey);
        if (!indexes || !record.Data || !record.SequenceNumber) continue;
        const identity = identityOf(record.Data);
        if (!identity) continue;
        for (const i of indexes) {
          const w = wanted[i];
          // The first copy is the event's answer (a later one is a marked re-send).
          if (!w || found[i] || !matches(w, identity)) continue;
          found[i] = { shardId, sequenceNumber: record.SequenceNumber };
          foundCount += 1;
        }
      }
      // At the tip of an open shard (GetRecords' documented signal, with or without records on the page):
      // everything written before this call has been read. A busy shard ends here too.
      if (passedEnd || out.MillisBehindLatest === 0) break;
      // A closed shard read to its end answers no next iterator.
      iterator = out.NextShardIterator;
    }
  }
  if (foundCount < wanted.length)
    try {
      await withinDeadline(deadline, now, () => refuseTrimmed(kinesis, streamName, from.getTime(), now));
    } catch (cause) {
      if (isLogSearchTrimmedError(cause)) throw cause;
      // The retention could not be read: undecided, but what was read still counts for the next search.
      throw incomplete(streamName, cause);
    }
  return found;
};

/**
 * "Absent" counts only where the log still holds the whole stretch searched: a search starting before
 * the stream's current retention (it may have been lowered since the claim) cannot tell an event never
 * written from one dropped, and throws `LogSearchTrimmedError` instead.
 */
const refuseTrimmed = async (
  kinesis: KinesisClient,
  streamName: string,
  from: number,
  now: () => number,
): Promise<void> => {
  if (from >= now() - MIN_RETENTION_MS) return;
  const hours = await streamRetentionHours(kinesis, streamName);
  if (from < now() - hours * 3_600_000) throw new LogSearchTrimmedError(streamName, hours);
};

/**
 * `findRecordsInLog` answered by event id: for callers whose ids are unique within one search (the
 * outbox's). Where ids may repeat across sources, use `findRecordsInLog` with `source` and `type` set.
 */
export const findEventsInLog = async (
  kinesis: KinesisClient,
  streamName: string,
  wanted: readonly WantedEvent[],
  since: number,
  options: LogSearchOptions = {},
): Promise<Map<string, WrittenRecord>> => {
  const records = await findRecordsInLog(kinesis, streamName, wanted, since, options);
  const found = new Map<string, WrittenRecord>();
  wanted.forEach((w, i) => {
    const record = records[i];
    if (record && !found.has(w.eventId)) found.set(w.eventId, record);
  });
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
