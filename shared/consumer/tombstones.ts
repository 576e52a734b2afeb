import { MARK_CLOCK_SKEW_MS } from '../config/timeouts';
import { sweepPk } from '../layout';
import { DELETED_ATTR, fenceAttr, settledUnits, storedFencesOf, UNITS_ATTR, writtenFences } from './fence';
import type { StateWrite } from './types';

/**
 * The tombstone's lifecycle (docs/consumer-single-item.md, "Deletes"). A fenced delete leaves
 * `{ pk, spine:deleted, its own fence, other units' unsettled fences }` so that a write of an earlier
 * event landing late fails its fence condition, and in the same transaction a sweep entry
 * (`pk = sweep#<service>`, `sk = <table>#<item pk>`, `sweepAfter` in the parking table). Later
 * invocations of the service remove the tombstone once the grace has passed and every unit on it has
 * settled (`sweepVerdict`), conditioned on its fences being unchanged, with the entry.
 */

/** Entries one sweep reads (a Query page): each due one costs a read and a BatchGet of its units' checkpoints. */
export const SWEEP_LIMIT = 25;

/**
 * How long a tombstone stays after its delete, and how old a settled unit's fence must be before a write
 * or a sweep drops it (`settledUnits`). An assumption, not a bound AWS gives: no request of the runtime
 * stays in flight longer than this after it was sent. A request may land late: the SDK abandons an
 * attempt at its request timeout (10 s here) and retries (3 attempts by default), and the abandoned one
 * may still apply; one in flight when Lambda ends an invocation (900 s at most, Lambda's maximum
 * timeout) may land after it. The delete's `sweepAfter` is taken when it commits, after any such request
 * was sent. Plus the attempt mark's 2 s clock skew (`MARK_CLOCK_SKEW_MS`): the time is one writer's
 * clock, compared on another's. @default 15 min 2 s
 */
export const TOMBSTONE_GRACE_MS = 15 * 60_000 + MARK_CLOCK_SKEW_MS;

/** A tombstone to remove once its units settle: the state table (logical name) and the item's key. */
export interface SweepEntry {
  readonly table: string;
  readonly pk: string;
}

/** An entry as read back, with when its grace ends (absent: due now). */
export interface StoredSweepEntry extends SweepEntry {
  readonly sk: string;
  readonly sweepAfter?: number;
}

/** The entry's key in the parking table (table names are `[a-z0-9-]`, so `#` ends the name). */
export const sweepKey = (service: string, entry: SweepEntry): { pk: string; sk: string } => ({
  pk: sweepPk(service),
  sk: `${entry.table}#${entry.pk}`,
});

/** An entry read back from its item. */
export const entryOf = (item: Record<string, unknown>): StoredSweepEntry | undefined => {
  const sk = item.sk;
  const at = typeof sk === 'string' ? sk.indexOf('#') : -1;
  if (typeof sk !== 'string' || at <= 0) return undefined;
  const after = item.sweepAfter;
  return {
    sk,
    table: sk.slice(0, at),
    pk: sk.slice(at + 1),
    ...(typeof after === 'number' && { sweepAfter: after }),
  };
};

/**
 * What a sweep does with an entry, from the stored item: `drop` the entry alone (no tombstone there any
 * more: removed, or written over by a later put or update), `remove` the tombstone and then the entry
 * (every unit on it has settled: none can run its fenced event again), or `keep` both for a later sweep.
 */
export const sweepVerdict = async (
  raw: Record<string, unknown> | undefined,
  checkpointsOf: (units: readonly string[]) => Promise<ReadonlyMap<string, string | undefined>>,
  age: { readonly now: number; readonly graceMs: number },
): Promise<'drop' | 'remove' | 'keep'> => {
  if (raw?.[DELETED_ATTR] !== true) return 'drop';
  const fences = storedFencesOf(raw);
  // A fence without a time is old: every delete since the upgrade stamps the fences it keeps, so such a
  // tombstone was written before it, and its entry, due, says that delete is a grace old.
  const settled = await settledUnits(fences, new Set(), checkpointsOf, { ...age, untimedAt: 0 });
  return settled.size === fences.size ? 'remove' : 'keep';
};

/**
 * The condition of a tombstone's removal in DynamoDB: still a tombstone, with exactly the fences the
 * sweep read (a write since then changed them, and the next sweep decides again).
 */
export const unchangedTombstone = (raw: Record<string, unknown>) => {
  const fences = [...storedFencesOf(raw)];
  const names: Record<string, string> = { '#d': DELETED_ATTR, '#u': UNITS_ATTR };
  const values: Record<string, unknown> = { ':n': fences.length };
  const tests = ['attribute_exists(#d)', 'size(#u) = :n'];
  fences.forEach(([unit, fence], i) => {
    names[`#f${i}`] = fenceAttr(unit);
    values[`:f${i}`] = fence.value;
    tests.push(`#f${i} = :f${i}`);
  });
  return {
    ConditionExpression: tests.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
};

/** The same test on a stored item (the memory store), so both stores refuse the same removals. */
export const isUnchangedTombstone = (
  now: Record<string, unknown> | undefined,
  read: Record<string, unknown>,
) => {
  if (now?.[DELETED_ATTR] !== true) return false;
  const [a, b] = [storedFencesOf(now), storedFencesOf(read)];
  return a.size === b.size && [...b].every(([u, f]) => a.get(u)?.value === f.value);
};

/** The condition of an entry's delete: still the entry the sweep read (a later delete re-puts it). */
export const unchangedEntry = (entry: StoredSweepEntry) =>
  entry.sweepAfter === undefined
    ? { ConditionExpression: 'attribute_not_exists(sweepAfter)' }
    : { ConditionExpression: 'sweepAfter = :a', ExpressionAttributeValues: { ':a': entry.sweepAfter } };

/**
 * Sweep entries a commit's writes surely add to its transaction: one per fenced delete (it always leaves
 * its own fence as a tombstone). An unfenced delete (key mode) adds one only when it keeps another unit's
 * unsettled fence, known after a read: the planner counts every delete as two items (`writeItems`).
 */
export const tombstoneEntries = (writes: readonly StateWrite[]): number =>
  writes.filter((w) => w.kind === 'delete' && writtenFences(w.fences).length > 0).length;

/** Transaction items a write may take, its sweep entry included: the planner's and the event check's count. */
export const writeItems = (writes: readonly StateWrite[]): number =>
  writes.reduce((n, w) => n + (w.kind === 'delete' ? 2 : 1), 0);
