import type { OutboxEntry } from './outbox';
import { type CheckpointMove, MAX_COMMIT_BYTES, MAX_ITEMS_PER_COMMIT } from './store';
import type { StateItem, StateWrite } from './types';

const itemKey = (table: string, pk: string): string => `${table}\u0000${pk}`;
const keyOf = (w: StateWrite): string => itemKey(w.table, w.kind === 'put' ? w.item.pk : w.pk);

/** What a pending write tells a reader about an item: its value, that it is gone, or unknown (an update). */
export type Overlay =
  | { readonly known: true; readonly item: StateItem | undefined }
  | { readonly known: false };

type Position = { readonly sequenceNumber: string; readonly arrivedAt: number };

/** One applied event's share of a pending commit, kept so a rejected commit can be retried event by event. */
export interface PendingEvent {
  /** Index of the event's record in the batch. */
  readonly index: number;
  readonly sk: string;
  readonly writes: readonly StateWrite[];
  readonly emits: readonly OutboxEntry[];
  readonly position: Position;
}

/**
 * Writes of events that ran but are not committed yet, so they share one transaction with their
 * emitted events and checkpoint moves. DynamoDB forbids two operations on one item in a transaction,
 * so an event touching an item already pending forces a commit first; that costs one more
 * checkpoint write, never correctness.
 */
export class PendingWrites {
  private readonly byKey = new Map<string, StateWrite>();
  private readonly moves = new Map<string, { expected: string | undefined; next: Position }>();
  private emitted: OutboxEntry[] = [];
  private bytes = 0;
  private applied: PendingEvent[] = [];

  get empty(): boolean {
    return this.moves.size === 0;
  }

  private get items(): number {
    return this.byKey.size + this.emitted.length + this.moves.size;
  }

  /** True when an event's writes and emits cannot join this commit (same item twice, or over the limits). */
  mustCommitBefore(writes: readonly StateWrite[], emits: readonly OutboxEntry[], sk: string): boolean {
    if (this.empty) return false;
    const extra = writes.length + emits.length + (this.moves.has(sk) ? 0 : 1);
    if (this.items + extra > MAX_ITEMS_PER_COMMIT) return true;
    if (this.bytes + JSON.stringify([writes, emits]).length > MAX_COMMIT_BYTES) return true;
    return writes.some((w) => this.byKey.has(keyOf(w)));
  }

  /** Adds an applied event; `expected` is the checkpoint `sk` held before this commit. */
  add(
    writes: readonly StateWrite[],
    emits: readonly OutboxEntry[],
    sk: string,
    expected: string | undefined,
    position: Position,
    index: number,
  ): void {
    this.applied.push({ index, sk, writes, emits, position });
    for (const w of writes) this.byKey.set(keyOf(w), w);
    this.emitted.push(...emits);
    this.bytes += JSON.stringify([writes, emits]).length;
    const move = this.moves.get(sk);
    this.moves.set(sk, { expected: move ? move.expected : expected, next: position });
  }

  overlay(table: string, pk: string): Overlay | undefined {
    const w = this.byKey.get(itemKey(table, pk));
    if (!w) return undefined;
    if (w.kind === 'put') return { known: true, item: w.item };
    if (w.kind === 'delete') return { known: true, item: undefined };
    return { known: false };
  }

  writes(): StateWrite[] {
    return [...this.byKey.values()];
  }

  outbox(): OutboxEntry[] {
    return [...this.emitted];
  }

  checkpointMoves(): CheckpointMove[] {
    return [...this.moves].map(([sk, m]) => ({ sk, expected: m.expected, next: m.next }));
  }

  /** The events of this commit, in batch order. */
  events(): readonly PendingEvent[] {
    return this.applied;
  }

  clear(): void {
    this.applied = [];
    this.byKey.clear();
    this.moves.clear();
    this.emitted = [];
    this.bytes = 0;
  }
}

/** Collects one event's writes; within an event, the last write to an item wins. */
export const eventWriteKey = keyOf;
