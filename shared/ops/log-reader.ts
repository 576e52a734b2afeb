import { setTimeout as wait } from 'node:timers/promises';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type _Record as KinesisRecord,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { listShards } from '../aws';
import type { LogRecord } from './records';

/** Where reading a shard starts; mirrors Kinesis shard iterator types. */
export type ShardStart =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly at: number }
  | { readonly type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

export interface ShardInfo {
  readonly shardId: string;
  readonly parents: readonly string[];
  /** A closed shard (after resharding) ends at this sequence number. */
  readonly endingSequenceNumber?: string;
}

export interface ReadOptions {
  /** Keep polling at the tip instead of returning (tail -f). @default false */
  readonly follow?: boolean;
  /** Records per GetRecords call. @default 1000 */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
  /** Idle poll interval when following. @default 500 */
  readonly pollMs?: number;
}

/** One GetRecords page of a shard and where the next one starts. */
export interface ShardPage {
  readonly records: readonly LogRecord[];
  /** Pass back as `{ next }` for the records after these (a Kinesis shard iterator: about 5 minutes). */
  readonly next?: string;
  /** Nothing more to read now (the tip) or ever (a closed shard's end, `next` undefined). */
  readonly atTip: boolean;
}

/** Read access to topics; the Kinesis adapter below, fakes in unit tests. */
export interface LogReader {
  shards(topic: string): Promise<ShardInfo[]>;
  streamArn(topic: string): Promise<string>;
  /** Pages of one shard in order, until the tip (or forever with `follow`). */
  read(topic: string, shardId: string, start: ShardStart, options?: ReadOptions): AsyncGenerator<LogRecord[]>;
  /**
   * One page, from `start` (a GetShardIterator and a GetRecords) or from an earlier page's `next` (one
   * GetRecords): a follower that keeps `next` between samples pays one call per read. An expired
   * `next` throws; start again from a position. Optional: without it followers use `read`.
   */
  page?(topic: string, shardId: string, from: ShardStart | { readonly next: string }): Promise<ShardPage>;
}

/**
 * Resolves after `ms` or on `signal`'s abort. Node's timer takes its abort listener off the signal when
 * it settles: a follower's signal lives as long as its tail (the CLI's is the whole process), and one
 * listener left per idle poll would pile up, two a second, for as long as the tail runs.
 */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  wait(ms, undefined, { signal }).catch(() => {
    // Aborted: the follower is stopping, and the loop looks at the signal next.
  });

const iteratorInput = (stream: string, shardId: string, start: ShardStart): GetShardIteratorCommandInput => {
  const base = { StreamName: stream, ShardId: shardId };
  switch (start.type) {
    case 'AT_TIMESTAMP':
      return { ...base, ShardIteratorType: start.type, Timestamp: new Date(start.at) };
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      return { ...base, ShardIteratorType: start.type, StartingSequenceNumber: start.sequenceNumber };
    default:
      return { ...base, ShardIteratorType: start.type };
  }
};

const toShardInfo = (s: Shard): ShardInfo => ({
  shardId: s.ShardId ?? '',
  parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p),
  ...(s.SequenceNumberRange?.EndingSequenceNumber && {
    endingSequenceNumber: s.SequenceNumberRange.EndingSequenceNumber,
  }),
});

const toLogRecord = (shardId: string, r: KinesisRecord): LogRecord => ({
  shardId,
  sequenceNumber: r.SequenceNumber ?? '',
  partitionKey: r.PartitionKey ?? '',
  data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
  arrivedAt: r.ApproximateArrivalTimestamp?.getTime() ?? 0,
});

/**
 * `LogReader` over Kinesis. Reading stops at the tip: an empty page with `MillisBehindLatest` 0, or
 * the end of a closed shard. Each GetRecords call costs one of the shard's 5 reads per second, shared
 * with the live consumers, so pages are large (1000) and follow mode polls at most twice a second.
 */
export const kinesisLogReader = (
  kinesis: KinesisClient,
  streamName: (topic: string) => string,
): LogReader => ({
  async shards(topic) {
    return (await listShards(kinesis, streamName(topic))).map(toShardInfo);
  },
  async streamArn(topic) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName(topic) }));
    return (
      out.StreamDescriptionSummary?.StreamARN ??
      `arn:aws:kinesis:local:000000000000:stream/${streamName(topic)}`
    );
  },
  async page(topic, shardId, from) {
    const iterator =
      'next' in from
        ? from.next
        : (await kinesis.send(new GetShardIteratorCommand(iteratorInput(streamName(topic), shardId, from))))
            .ShardIterator;
    if (!iterator) return { records: [], atTip: true };
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const records = (page.Records ?? []).map((r) => toLogRecord(shardId, r));
    return {
      records,
      ...(page.NextShardIterator && { next: page.NextShardIterator }),
      // MillisBehindLatest 0: this page reached the tip, records or not; no empty read to prove it.
      atTip: !page.NextShardIterator || (page.MillisBehindLatest ?? 0) === 0,
    };
  },
  async *read(topic, shardId, start, options = {}) {
    const stream = streamName(topic);
    let iterator = (await kinesis.send(new GetShardIteratorCommand(iteratorInput(stream, shardId, start))))
      .ShardIterator;
    while (iterator && !options.signal?.aborted) {
      const page = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: options.pageSize ?? 1000 }),
      );
      const records = (page.Records ?? []).map((r) => toLogRecord(shardId, r));
      if (records.length > 0) yield records;
      iterator = page.NextShardIterator;
      const atTip = records.length === 0 && (page.MillisBehindLatest ?? 0) === 0;
      if (atTip && !options.follow) return;
      if (atTip) await sleep(options.pollMs ?? 500, options.signal);
    }
  },
});
