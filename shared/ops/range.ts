import { compareSequence } from '../consumer';
import { OpsError } from './errors';
import type { LogReader, ShardStart } from './log-reader';
import type { LogPosition } from './position';
import type { LogRecord } from './records';

/** A bounded, ordered slice of one shard. `end` is inclusive; without it the slice ends at the tip. */
export interface ShardRange {
  readonly shardId: string;
  readonly start: ShardStart;
  /** Only records at or after this sequence number (a `--from SEQ` read from TRIM_HORIZON). */
  readonly minSequence?: string;
  readonly end?: { readonly sequenceNumber: string } | { readonly at: number };
  /** Which records of the slice to deliver (rebuild: the recomputed keys, minus parked events). */
  readonly filter?: (record: LogRecord) => boolean;
}

/** Where a `--from` position starts on a shard, given the live checkpoint there. */
export const startOf = (from: LogPosition, checkpoint: string | undefined): ShardStart => {
  switch (from.kind) {
    case 'start':
      return { type: 'TRIM_HORIZON' };
    case 'latest':
      return { type: 'LATEST' };
    case 'checkpoint':
      return checkpoint
        ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint }
        : { type: 'TRIM_HORIZON' };
    case 'time':
      return { type: 'AT_TIMESTAMP', at: from.at };
    case 'sequence':
      return { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: from.sequenceNumber };
  }
};

/** The inclusive end a `--to` position gives; undefined means the tip when reading reaches it. */
export const endOf = (to: LogPosition | undefined, checkpoint: string | undefined): ShardRange['end'] => {
  if (!to || to.kind === 'latest') return undefined;
  if (to.kind === 'time') return { at: to.at };
  if (to.kind === 'sequence') return { sequenceNumber: to.sequenceNumber };
  if (to.kind === 'checkpoint') return { sequenceNumber: checkpoint ?? '0' };
  throw new OpsError('INVALID_POSITION', '--to cannot be "start"');
};

const pastEnd = (record: LogRecord, end: ShardRange['end']): boolean => {
  if (!end) return false;
  if ('at' in end) return record.arrivedAt > end.at;
  return compareSequence(record.sequenceNumber, end.sequenceNumber) > 0;
};

const isInvalidArgument = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'InvalidArgumentException' || /InvalidArgument/.test(error.name));

/**
 * Pages of a shard range, filtered, in order. A `--from SEQ` that belongs to another shard makes
 * Kinesis reject AT_SEQUENCE_NUMBER; that shard is then read from TRIM_HORIZON keeping records with a
 * sequence number at or after it (sequence numbers grow with time across a stream's shards).
 */
export async function* readRange(
  reader: LogReader,
  topic: string,
  range: ShardRange,
  options: { signal?: AbortSignal; follow?: boolean } = {},
): AsyncGenerator<LogRecord[]> {
  let start = range.start;
  let minSequence = range.minSequence;
  for (let attempt = 0; ; attempt++) {
    try {
      for await (const page of reader.read(topic, range.shardId, start, options)) {
        const end = page.findIndex((r) => pastEnd(r, range.end));
        const inRange = end < 0 ? page : page.slice(0, end);
        const kept = inRange.filter(
          (r) =>
            (!minSequence || compareSequence(r.sequenceNumber, minSequence) >= 0) &&
            (!range.filter || range.filter(r)),
        );
        if (kept.length > 0) yield kept;
        if (end >= 0) return;
      }
      return;
    } catch (error) {
      if (attempt > 0 || start.type !== 'AT_SEQUENCE_NUMBER' || !isInvalidArgument(error)) throw error;
      minSequence = start.sequenceNumber;
      start = { type: 'TRIM_HORIZON' };
    }
  }
}

/** What a range holds: counts, keys, first and last record. One pass, used by plans and dry runs. */
export interface RangeScan {
  readonly shardId: string;
  count: number;
  first?: LogRecord;
  last?: LogRecord;
  readonly keys: Set<string>;
}

export const scanRange = async (
  reader: LogReader,
  topic: string,
  range: ShardRange,
  options: { keys?: boolean; signal?: AbortSignal } = {},
): Promise<RangeScan> => {
  const scan: RangeScan = { shardId: range.shardId, count: 0, keys: new Set() };
  for await (const page of readRange(reader, topic, range, {
    ...(options.signal && { signal: options.signal }),
  })) {
    scan.first ??= page[0];
    scan.last = page.at(-1);
    scan.count += page.length;
    if (options.keys) for (const r of page) scan.keys.add(r.partitionKey);
  }
  return scan;
};
