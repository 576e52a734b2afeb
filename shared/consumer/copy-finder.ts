import { ancestorsOf, MemoryShardDirectory, type ShardDirectory } from './shard-parents';
import { compareSequence } from './store';

/** One marked record to look for an earlier copy of. */
export interface CopyQuery {
  readonly stream: string;
  readonly shardId: string;
  readonly source: string;
  readonly id: string;
  /** Epoch ms the read starts at (AT_TIMESTAMP): the mark less the skew margin. */
  readonly from: number;
  /** The marked record's own sequence number: the read of `shardId` ends there, exclusive. */
  readonly before: string;
}

export type CopyAnswer =
  | { readonly kind: 'duplicate'; readonly shardId: string; readonly sequenceNumber: string }
  | { readonly kind: 'unique' }
  | { readonly kind: 'undecided'; readonly reason: string };

/**
 * Port to the log for marked records: does `shardId` (or one of its parent shards, read to their end)
 * hold a record with the same (source, id) that arrived at or after `from` and precedes `before`?
 * `undecided` when it could not read that far by `deadline` (epoch ms) or Kinesis failed: never a guess.
 */
export interface CopyFinder {
  /**
   * The question for each marked record of a batch, answered in query order; one record is a list of
   * one (a single path, so one contract covers every caller). A Lambda batch is one shard, so an
   * adapter reads that shard (and each ancestor) once for all of them: after a lost PutRecords a batch
   * holds up to 100 marked records, and one read each was the difference between seconds and minutes.
   */
  findEarlierAll(queries: readonly CopyQuery[], deadline: number): Promise<CopyAnswer[]>;
}

const decoder = new TextDecoder();

/** `source` and `id` of record bytes that are a JSON object carrying both as strings, joined by NUL. */
export const eventIdentity = (bytes: Uint8Array): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(decoder.decode(bytes));
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const { source, id } = parsed as { source?: unknown; id?: unknown };
    return typeof source === 'string' && typeof id === 'string' ? `${source}\u0000${id}` : undefined;
  } catch {
    return undefined;
  }
};

/** The identity key `eventIdentity` gives a record carrying this `source` and `id`. */
export const identityKey = (source: string, id: string): string => `${source}\u0000${id}`;

/** True when record bytes are a JSON object with this `source` and `id` (no schema check: any copy counts). */
export const isSameEvent = (bytes: Uint8Array, source: string, id: string): boolean =>
  eventIdentity(bytes) === identityKey(source, id);

/** A record in the memory log. */
export interface MemoryLogRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly arrivedAt: number;
  readonly bytes: Uint8Array;
}

/**
 * In-memory `CopyFinder` over records the test appends, with the Kinesis adapter's window (from
 * `from` to `before` on the shard, parents to their end) and its failure: `undecidedNext` answers
 * `undecided` as a Kinesis error or an exhausted budget would; a passed deadline does too.
 */
export class MemoryCopyFinder implements CopyFinder {
  readonly records: MemoryLogRecord[] = [];
  undecidedNext = 0;
  private next = 49_650_000_000_000_000_000_000_000_000n;

  constructor(readonly shards: ShardDirectory = new MemoryShardDirectory()) {}

  /** Appends a record; its sequence number is the given one or the next after every earlier one. */
  append(shardId: string, bytes: Uint8Array, options: { sequenceNumber?: string; arrivedAt?: number } = {}) {
    this.next += 1n;
    const sequenceNumber = options.sequenceNumber ?? this.next.toString();
    const record = { shardId, sequenceNumber, arrivedAt: options.arrivedAt ?? Date.now(), bytes };
    this.records.push(record);
    return record;
  }

  async findEarlierAll(queries: readonly CopyQuery[], deadline: number): Promise<CopyAnswer[]> {
    const answers: CopyAnswer[] = [];
    for (const query of queries) answers.push(await this.answer(query, deadline));
    return answers;
  }

  private async answer(query: CopyQuery, deadline: number): Promise<CopyAnswer> {
    if (Date.now() > deadline) return { kind: 'undecided', reason: 'deadline passed' };
    if (this.undecidedNext > 0) {
      this.undecidedNext -= 1;
      return { kind: 'undecided', reason: 'injected' };
    }
    const inWindow = (r: MemoryLogRecord, shardId: string) =>
      r.shardId === shardId && r.arrivedAt >= query.from && isSameEvent(r.bytes, query.source, query.id);
    const own = this.records.find(
      (r) => inWindow(r, query.shardId) && compareSequence(r.sequenceNumber, query.before) < 0,
    );
    if (own) return { kind: 'duplicate', shardId: own.shardId, sequenceNumber: own.sequenceNumber };
    for (const parent of await ancestorsOf(this.shards, query.stream, query.shardId)) {
      const found = this.records.find((r) => inWindow(r, parent));
      if (found) return { kind: 'duplicate', shardId: found.shardId, sequenceNumber: found.sequenceNumber };
    }
    return { kind: 'unique' };
  }
}
