import type { FenceEntry } from './fence';
import { foldWrite } from './fold';
import type { OutboxEntry } from './outbox';
import type { StateUpdate } from './state-ops';
import { type CheckpointMove, MAX_COMMIT_BYTES, MAX_ITEMS_PER_COMMIT } from './store';
import { writeItems } from './tombstones';
import type { StateItem, StateWrite } from './types';

const itemKey = (table: string, pk: string): string => `${table}\u0000${pk}`;
const keyOf = (w: StateWrite): string => itemKey(w.table, w.kind === 'put' ? w.item.pk : w.pk);

/**
 * What a pending write tells a reader: its value, that it is gone, or an update of the stored item
 * (`update` present when coalescing, so the reader applies it to a consistent read; absent, the reader
 * commits first).
 */
export type Overlay =
  | { readonly known: true; readonly item: StateItem | undefined }
  | { readonly known: false; readonly update?: StateUpdate };

type Position = { readonly sequenceNumber: string; readonly arrivedAt: number };

/** One applied event's share of a pending commit, kept so a rejected commit can be retried event by event. */
export interface PendingEvent {
  /** Index of the event's record in the batch. */
  readonly index: number;
  readonly sk: string;
  /** The fence unit of the event's checkpoint item (`unitOf(topic, sk)`); undefined: unfenced (key mode). */
  readonly unit: string | undefined;
  /** Key mode: the unit's fence is a condition of the event's writes, not written (FenceEntry). */
  readonly conditionOnly: boolean;
  /** The event's own writes, unfolded: what a one-by-one retry of a rejected commit writes. */
  readonly writes: readonly StateWrite[];
  readonly emits: readonly OutboxEntry[];
  readonly position: Position;
}

const sizeOf = (value: unknown): number => JSON.stringify(value).length;

/**
 * Writes of events that ran but are not committed yet, so they share one transaction with their
 * emitted events and checkpoint moves. DynamoDB forbids two operations on one item in a transaction:
 * with `coalesce` (the default) an event writing an item already pending folds its write into the
 * pending one when the fold is exact (fold.ts), so each item is written once per commit; otherwise,
 * or with `coalesce` off, the event forces a commit first. That costs one more checkpoint write, never
 * correctness. Limits count the folded items and bytes.
 */
export class PendingWrites {
  private readonly byKey = new Map<string, { write: StateWrite; bytes: number }>();
  /** Per item, per unit: the first and last event of the commit that wrote it (its fence). */
  private readonly fences = new Map<string, Map<string, Omit<FenceEntry, 'unit'>>>();
  private readonly moves = new Map<string, { expected: string | undefined; next: Position }>();
  private emitted: OutboxEntry[] = [];
  private bytes = 0;
  private applied: PendingEvent[] = [];
  /** Writes folded into a pending one since the batch began (figures, tests). */
  folds = 0;

  constructor(readonly coalesce = true) {}

  get empty(): boolean {
    return this.moves.size === 0;
  }

  /** Nothing pending but checkpoint moves (copies, events written alone): a single write may go first. */
  get writeless(): boolean {
    return this.byKey.size === 0 && this.emitted.length === 0;
  }

  /** True when `table`/`pk` has a pending write (a single write of it would overtake that write). */
  has(table: string, pk: string): boolean {
    return this.byKey.has(itemKey(table, pk));
  }

  /** Transaction items of what is pending; a delete counts its sweep entry too (tombstones.ts `writeItems`). */
  private get items(): number {
    const writes = writeItems([...this.byKey.values()].map((p) => p.write));
    return writes + this.emitted.length + this.moves.size;
  }

  /** The pending state once `writes` join: the writes per item, new items and bytes; undefined if one cannot fold. */
  private plan(writes: readonly StateWrite[]) {
    const next = new Map<string, { write: StateWrite; bytes: number }>();
    let items = 0;
    let bytes = 0;
    for (const w of writes) {
      const key = keyOf(w);
      const before = this.byKey.get(key);
      if (!before) {
        const size = sizeOf(w);
        items += writeItems([w]);
        next.set(key, { write: w, bytes: size });
        bytes += size;
        continue;
      }
      const folded = this.coalesce ? foldWrite(before.write, w) : undefined;
      if (!folded) return undefined;
      const size = sizeOf(folded);
      // A fold may turn a put into a delete (or back), which adds (or frees) a sweep entry.
      items += writeItems([folded]) - writeItems([before.write]);
      next.set(key, { write: folded, bytes: size });
      bytes += size - before.bytes;
    }
    return { next, items, bytes };
  }

  /** True when an event's writes and emits cannot join this commit (an item that cannot fold, or over the limits). */
  mustCommitBefore(writes: readonly StateWrite[], emits: readonly OutboxEntry[], sk: string): boolean {
    if (this.empty) return false;
    const plan = this.plan(writes);
    if (!plan) return true;
    const extra = plan.items + emits.length + (this.moves.has(sk) ? 0 : 1);
    if (this.items + extra > MAX_ITEMS_PER_COMMIT) return true;
    return this.bytes + plan.bytes + sizeOf(emits) > MAX_COMMIT_BYTES;
  }

  /** Adds an applied event; `expected` is the checkpoint `sk` held before this commit. */
  add(
    writes: readonly StateWrite[],
    emits: readonly OutboxEntry[],
    sk: string,
    expected: string | undefined,
    position: Position,
    index: number,
    unit: string | undefined,
    conditionOnly = false,
  ): void {
    const plan = this.plan(writes);
    // The caller asks `mustCommitBefore` first; joining anyway would put two operations on one item.
    if (!plan)
      throw new Error(`event ${index} writes an item already pending that cannot fold; commit first`);
    this.applied.push({ index, sk, unit, conditionOnly, writes, emits, position });
    for (const [key, entry] of plan.next) {
      if (this.byKey.has(key)) this.folds += 1;
      this.byKey.set(key, entry);
      if (unit === undefined) continue;
      const units = this.fences.get(key) ?? new Map<string, Omit<FenceEntry, 'unit'>>();
      const seq = position.sequenceNumber;
      const first = units.get(unit)?.first ?? seq;
      units.set(unit, { first, last: seq, ...(conditionOnly && { conditionOnly }) });
      this.fences.set(key, units);
    }
    this.emitted.push(...emits);
    this.bytes += plan.bytes + sizeOf(emits);
    const move = this.moves.get(sk);
    this.moves.set(sk, { expected: move ? move.expected : expected, next: position });
  }

  overlay(table: string, pk: string): Overlay | undefined {
    const w = this.byKey.get(itemKey(table, pk))?.write;
    if (!w) return undefined;
    if (w.kind === 'put') return { known: true, item: w.item };
    if (w.kind === 'delete') return { known: true, item: undefined };
    return this.coalesce ? { known: false, update: w.update } : { known: false };
  }

  /** The commit's writes: one per item, folded, each with the fences of the events that wrote it. */
  writes(): StateWrite[] {
    return [...this.byKey].map(([key, e]) => {
      const units = this.fences.get(key) ?? new Map();
      const fences: FenceEntry[] = [...units].map(([unit, f]) => ({ unit, ...f }));
      return fences.length > 0 ? { ...e.write, fences } : e.write;
    });
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
    this.fences.clear();
    this.moves.clear();
    this.emitted = [];
    this.bytes = 0;
  }
}

/** Collects one event's writes; within an event, the last write to an item wins. */
export const eventWriteKey = keyOf;
