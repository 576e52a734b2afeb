import type { OutboxEntry } from './outbox';
import { MAX_COMMIT_BYTES, MAX_WRITES_PER_COMMIT } from './store';
import type { StateItem, StateWrite } from './types';

const itemKey = (table: string, pk: string): string => `${table}\u0000${pk}`;
const keyOf = (w: StateWrite): string => itemKey(w.table, w.kind === 'put' ? w.item.pk : w.pk);

/** What a pending write tells a reader about an item: its value, that it is gone, or unknown (an update). */
export type Overlay =
  | { readonly known: true; readonly item: StateItem | undefined }
  | { readonly known: false };

/**
 * Writes of events that ran but are not committed yet, so they can share one transaction. DynamoDB
 * forbids two operations on one item in a transaction, so an event touching an item already pending
 * forces a commit first; that costs one more checkpoint write, never correctness.
 */
export class PendingWrites {
  private readonly byKey = new Map<string, StateWrite>();
  private emitted: OutboxEntry[] = [];
  private bytes = 0;
  last: { sequenceNumber: string; arrivedAt: number } | undefined;

  get size(): number {
    return this.byKey.size + this.emitted.length;
  }

  /** True when an event's writes and emits cannot join this commit (same item twice, or over the limits). */
  mustCommitBefore(writes: readonly StateWrite[], emits: readonly OutboxEntry[]): boolean {
    if (this.last === undefined) return false;
    if (this.size + writes.length + emits.length > MAX_WRITES_PER_COMMIT) return true;
    if (this.bytes + JSON.stringify([writes, emits]).length > MAX_COMMIT_BYTES) return true;
    return writes.some((w) => this.byKey.has(keyOf(w)));
  }

  add(
    writes: readonly StateWrite[],
    emits: readonly OutboxEntry[],
    position: { sequenceNumber: string; arrivedAt: number },
  ): void {
    for (const w of writes) this.byKey.set(keyOf(w), w);
    this.emitted.push(...emits);
    this.bytes += JSON.stringify([writes, emits]).length;
    this.last = position;
  }

  outbox(): OutboxEntry[] {
    return [...this.emitted];
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

  clear(): void {
    this.byKey.clear();
    this.emitted = [];
    this.bytes = 0;
    this.last = undefined;
  }
}

/** Collects one event's writes; within an event, the last write to an item wins. */
export const eventWriteKey = keyOf;
