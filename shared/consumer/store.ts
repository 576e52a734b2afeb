import type { ParkingItem } from '../layout';
import type { FencedRead } from './fence';
import type { OutboxEntry } from './outbox';
import type { SweepOptions, SweepResult } from './sweep';
import type { ShardPosition, SingleWrite, StateItem, StateWrite } from './types';

export { checkpointKey, keyMarkerSk } from '../layout';
export type { ShardPosition } from './types';

/**
 * Ids of marked records a lane applied (or parked) in the last `OVERTAKING_WINDOW_MS` of log time, on
 * the lane's checkpoint item: a short hash of (source, id) -> the arrival time past which the unmarked
 * original can no longer land (see copy-memory.ts).
 */
export interface CopyMemory {
  readonly ids: Readonly<Record<string, number>>;
  /** Evicted at the cap: unmarked records arriving before this are looked up in the log. */
  readonly overflowUntil?: number;
}

/** One checkpoint item moving from `expected` to `next`, conditionally. */
export interface CheckpointMove {
  readonly sk: string;
  readonly expected: string | undefined;
  readonly next: { readonly sequenceNumber: string; readonly arrivedAt: number };
  /** Rewrites the item's copy memory (undefined: removes it); absent, the stored one stays. */
  readonly copies?: { readonly memory: CopyMemory | undefined };
  /** The move passes the item's `fencedTo`: remove it. */
  readonly clearFencedTo?: boolean;
}

/**
 * The last deterministic failure recorded on a checkpoint item (the shard's, or a key marker), so
 * attempts survive across invocations and containers; removed by the commit that moves the item.
 */
export interface FailureRecord {
  readonly sequenceNumber: string;
  readonly attempts: number;
  readonly error: string;
}

/**
 * The attempt-start mark: written on the checkpoint item before an invocation applies anything, moved
 * by each commit to the next record of the batch, removed when the invocation answers. Process death
 * runs no catch or finally, so a mark still at the first unapplied record when the next invocation
 * loads the checkpoint means the last one died there.
 */
export interface AttemptStart {
  /** The first record this invocation had not committed yet. */
  readonly seq: string;
  /** Random per invocation: tells its own write (retried after a lost response) from another's. */
  readonly token: string;
  /** Written by an invocation in careful mode (one event per commit): a death then names its event. */
  readonly careful: boolean;
  readonly at: number;
  /**
   * Epoch ms past which the writing invocation cannot still run (its start plus Lambda's remaining
   * time): before it, the mark may belong to a live concurrent invocation, not a dead one. Absent when
   * the invocation had no Lambda context (then the mark is read as a death, as before deadlines).
   */
  readonly deadline?: number;
  /**
   * The last record this invocation may write alone (single-item path) beyond the checkpoint; the
   * store keeps it as the checkpoint's `fencedTo` until a move passes it (docs/consumer-single-item.md).
   */
  readonly fenceTo?: string;
}

export interface Checkpoint {
  /** Last applied sequence number; undefined before the first commit. */
  readonly sequenceNumber?: string;
  readonly arrivedAt?: number;
  readonly failure?: FailureRecord;
  readonly started?: AttemptStart;
  /** Set on the shard checkpoint by the first key-mode commit: per-key markers exist on this shard. */
  readonly keyMarkers?: boolean;
  /** Token of the last commit that moved this item; proves a commit retried after a lost response was ours. */
  readonly commitToken?: string;
  /** Marked records this lane applied recently: their unmarked originals are copies (copy-memory.ts). */
  readonly recentCopies?: CopyMemory;
  /**
   * Records up to here may have been written alone (fenced) beyond the checkpoint by an invocation
   * that did not move it yet: none of them may be parked without running (docs/consumer-single-item.md).
   */
  readonly fencedTo?: string;
}

/**
 * An event the runtime parks: the fields of the one parking item schema (`ParkingItem`, shared/layout)
 * that the runtime fills, plus where the record was read. Derived, so the two cannot drift apart.
 */
export type ParkedEvent = Pick<
  ParkingItem,
  | 'sequenceNumber'
  | 'partitionKey'
  | 'data'
  | 'eventId'
  | 'eventType'
  | 'error'
  | 'errorDetails'
  | 'attempts'
  | 'arrivedAt'
  | 'mayBeApplied'
> & {
  /** Where the record was read; the parking item's `topic`, `shardId` and keys derive from it. */
  readonly position: ShardPosition;
};

/** One atomic step: state writes, emitted events, an optional parked event, and the checkpoint moves. */
export interface Commit {
  readonly position: ShardPosition;
  readonly moves: readonly CheckpointMove[];
  readonly writes: readonly StateWrite[];
  /** Events emitted by the committed events; published after the commit, deleted once published. */
  readonly outbox?: readonly OutboxEntry[];
  readonly park?: ParkedEvent;
  /**
   * Where the attempt-start mark goes after this commit: the next record of the batch, on its
   * checkpoint item `sk` (which holds `expected`). Absent: the mark is removed. Moved items always
   * lose their old mark and failure.
   */
  readonly started?: {
    readonly sk: string;
    readonly expected: string | undefined;
    readonly mark: AttemptStart;
  };
  /** Flag the shard checkpoint item `keyMarkers: true` in this commit (first key-mode commit). */
  readonly flagKeyMarkers?: boolean;
}

/**
 * The consumer runtime's storage port. The DynamoDB adapter commits each `Commit` in one
 * TransactWriteItems call (with its own ClientRequestToken) whose checkpoint updates are conditional
 * on `expected`, so a stale or racing invocation fails with `CheckpointConflictError` instead of
 * applying anything twice, and a commit retried after a lost response is recognised as applied (by
 * the token stored on the moved checkpoint). Parked records longer than DynamoDB's item limit are
 * written as chunk items first (see `parkedItems`).
 */
export interface ConsumerStore {
  /** Checkpoint items by sort key (`shardId`, or per-key markers); absent ones are `{}`. */
  loadCheckpoints(position: ShardPosition, sks: readonly string[]): Promise<Map<string, Checkpoint>>;
  /** The item as its writers see it: no `spine:*` attribute, a tombstone is absent (docs/consumer-single-item.md). */
  getItem(table: string, pk: string): Promise<StateItem | undefined>;
  /** The user's view and the item's position fences, in one consistent read (the runtime's reads). */
  readItem(table: string, pk: string): Promise<FencedRead>;
  /**
   * Commits. A write carrying `fences` is conditional on them; a fence showing an event of the commit
   * already applied throws `AlreadyAppliedError` (nothing is written), told apart from the user's
   * own condition failing (a `TransactionCanceledException`, as before).
   */
  commit(commit: Commit): Promise<void>;
  /**
   * One fenced write alone (the single-item path): `applied` when a fence shows its event applied (a
   * retry after a lost response included), `written` when it took effect; the user's condition
   * failing throws DynamoDB's `ConditionalCheckFailedException`. One conditional write, 1 WCU for an
   * item up to 1 KB, plus a read only when the item holds other units' fences or the condition failed.
   * Never a delete (`SingleWrite`): a delete commits with its checkpoint move, as a fenced tombstone.
   */
  writeFenced(position: ShardPosition, write: SingleWrite): Promise<'written' | 'applied'>;
  /**
   * Removes the service's tombstones whose grace has passed and whose units have all settled
   * (docs/consumer-single-item.md, "Deletes"): one page of sweep entries at most (`SWEEP_LIMIT`), read on
   * from where this container's last sweep stopped, none started at or after `options.until`; a failing
   * entry is logged and skipped. A commit whose delete left a tombstone wrote its entry. `position`
   * names the service (and the topic whose reads of other checkpoints the unit names complete).
   */
  sweepTombstones(position: ShardPosition, options?: SweepOptions): Promise<SweepResult>;
  /**
   * Records a deterministic failure of the event at `failure.sequenceNumber` and removes the attempt
   * mark. `fencedTo`: set the checkpoint's `fencedTo` back to `restore` (absent when undefined), the
   * value the failing invocation loaded: it wrote nothing alone past the checkpoint (its pending moves
   * committed first), so its own mark's raise is undone and a later park of the failing event is
   * flagged `mayBeApplied` only when an earlier invocation may have written it alone (review F3).
   */
  recordFailure(
    position: ShardPosition,
    sk: string,
    expected: string | undefined,
    failure: FailureRecord,
    fencedTo?: { readonly restore: string | undefined },
  ): Promise<void>;
  /**
   * Writes the attempt-start mark before any work, conditional on the checkpoint just loaded (`expected`
   * sequence number and the mark it held, by token), with `failure` when a death is being counted.
   * A retry after a lost response recognises its own token. Throws `CheckpointConflictError` when
   * another invocation changed the item first.
   */
  markStarted(
    position: ShardPosition,
    sk: string,
    loaded: { readonly expected: string | undefined; readonly previousToken: string | undefined },
    mark: AttemptStart,
    failure?: FailureRecord,
  ): Promise<void>;
  /** Removes this invocation's mark (it answers without a death); a mark already gone is fine. */
  clearStarted(position: ShardPosition, sk: string, token: string): Promise<void>;
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

/**
 * Transaction limits: 100 items and 4 MB. One item is kept for the attempt mark on another checkpoint
 * item (key mode); an event alone may write `MAX_ITEMS_PER_EVENT` items (writes + emits) beside its
 * checkpoint move and that mark. Bytes keep headroom for attribute names and the parked record.
 */
export const MAX_ITEMS_PER_COMMIT = 99;
export const MAX_ITEMS_PER_EVENT = 98;
export const MAX_COMMIT_BYTES = 3_500_000;
/** DynamoDB's item size limit (names and values); larger items fail the whole transaction. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** Kinesis sequence numbers are decimal strings up to 128 bits: compare them as BigInt. */
export const compareSequence = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
