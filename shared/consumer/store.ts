import type { OutboxEntry } from './outbox';
import type { ShardPosition, StateItem, StateWrite } from './types';

export type { ShardPosition } from './types';

/**
 * The checkpoint item's key: `pk = service#topic[#scope]`, `sk = shardId` for the shard checkpoint or
 * `shardId#key#<partition key>` for a per-key marker (see `keyMarkerSk`).
 */
export const checkpointKey = (p: ShardPosition, sk: string = p.shardId): { pk: string; sk: string } => ({
  pk: p.scope ? `${p.service}#${p.topic}#${p.scope}` : `${p.service}#${p.topic}`,
  sk,
});

/**
 * With a parallelization factor above 1, Lambda runs several batches of one shard at once (different
 * keys, each key still in order), so one shard checkpoint would be overtaken: progress is then kept
 * per partition key instead.
 */
export const keyMarkerSk = (shardId: string, partitionKey: string): string =>
  `${shardId}#key#${partitionKey}`;

/** One checkpoint item moving from `expected` to `next`, conditionally. */
export interface CheckpointMove {
  readonly sk: string;
  readonly expected: string | undefined;
  readonly next: { readonly sequenceNumber: string; readonly arrivedAt: number };
}

/** The last failure on a shard, so attempts survive across invocations. */
export interface FailureRecord {
  readonly sequenceNumber: string;
  readonly attempts: number;
  readonly error: string;
}

export interface Checkpoint {
  /** Last applied sequence number; undefined before the first commit. */
  readonly sequenceNumber?: string;
  readonly arrivedAt?: number;
  readonly failure?: FailureRecord;
}

export interface ParkedEvent {
  readonly position: ShardPosition;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's data exactly as stored in the log (base64), so nothing is lost even if undecodable. */
  readonly data: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly error: string;
  readonly errorDetails?: readonly { path: string; message: string }[];
  readonly attempts: number;
  readonly arrivedAt: number;
}

/** One atomic step: state writes, emitted events, an optional parked event, and the checkpoint moves. */
export interface Commit {
  readonly position: ShardPosition;
  readonly moves: readonly CheckpointMove[];
  readonly writes: readonly StateWrite[];
  /** Events emitted by the committed events; published after the commit, deleted once published. */
  readonly outbox?: readonly OutboxEntry[];
  readonly park?: ParkedEvent;
}

/**
 * The consumer runtime's storage port. The DynamoDB adapter commits each `Commit` in one
 * TransactWriteItems call whose checkpoint update is conditional on `expected`, so a stale or racing
 * invocation fails with `CheckpointConflictError` instead of applying anything twice.
 */
export interface ConsumerStore {
  /** Checkpoint items by sort key (`shardId`, or per-key markers); absent ones are `{}`. */
  loadCheckpoints(position: ShardPosition, sks: readonly string[]): Promise<Map<string, Checkpoint>>;
  getItem(table: string, pk: string): Promise<StateItem | undefined>;
  commit(commit: Commit): Promise<void>;
  recordFailure(
    position: ShardPosition,
    sk: string,
    expected: string | undefined,
    failure: FailureRecord,
  ): Promise<void>;
  /** Outbox entries of this source shard not yet deleted (published or not), oldest first. */
  loadOutbox(position: ShardPosition): Promise<OutboxEntry[]>;
  deleteOutbox(position: ShardPosition, sks: readonly string[]): Promise<void>;
  /**
   * Takes over a leftover entry for recovery: succeeds only if it still exists and nobody else claimed
   * it within `leaseMs`, so two invocations never recover the same entry at once. A claim already
   * held with the same `token` succeeds again: a retry after a lost response recognises its own claim.
   */
  claimOutbox(position: ShardPosition, sk: string, leaseMs: number, token: string): Promise<boolean>;
}

/** Transaction limits: 100 items and 4 MB; one item is kept for the shard checkpoint and one for a park. */
export const MAX_ITEMS_PER_COMMIT = 99;
export const MAX_COMMIT_BYTES = 3_500_000;

/** Kinesis sequence numbers are decimal strings up to 128 bits: compare them as BigInt. */
export const compareSequence = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
