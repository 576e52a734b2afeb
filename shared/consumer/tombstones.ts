import { sweepPk } from '../layout';
import { DELETED_ATTR, fenceAttr, fencesOf, padSeq, settledUnits, UNITS_ATTR } from './fence';

/**
 * The residual tombstone's lifecycle (docs/consumer-single-item.md, "Deletes"). A delete commits with
 * its checkpoint move and leaves no item, except when the item holds another unit's unsettled fence:
 * then it leaves `{ pk, spine:deleted, those fences }` and, in the same transaction, a sweep entry
 * (`pk = sweep#<service>`, `sk = <table>#<item pk>` in the parking table). Later invocations of the
 * service remove the tombstone once every unit on it has settled (`sweepVerdict`), conditioned on its
 * fences being unchanged, then the entry.
 */

/** Entries one sweep reads (a Query page): each costs a read and a BatchGet of its units' checkpoints. */
export const SWEEP_LIMIT = 25;

/** A tombstone to remove once its units settle: the state table (logical name) and the item's key. */
export interface SweepEntry {
  readonly table: string;
  readonly pk: string;
}

/** The entry's key in the parking table (table names are `[a-z0-9-]`, so `#` ends the name). */
export const sweepKey = (service: string, entry: SweepEntry): { pk: string; sk: string } => ({
  pk: sweepPk(service),
  sk: `${entry.table}#${entry.pk}`,
});

/** An entry read back from its `sk` (the item holds its key alone: a few bytes less in every bundle). */
export const entryOf = (sk: unknown): SweepEntry | undefined => {
  const at = typeof sk === 'string' ? sk.indexOf('#') : -1;
  return typeof sk === 'string' && at > 0 ? { table: sk.slice(0, at), pk: sk.slice(at + 1) } : undefined;
};

/**
 * What a sweep does with an entry, from the stored item: `drop` the entry alone (no tombstone there any
 * more: removed, or written over by a later put or update), `remove` the tombstone and then the entry
 * (every unit on it has settled: none can run its fenced event again), or `keep` both for a later sweep.
 */
export const sweepVerdict = async (
  raw: Record<string, unknown> | undefined,
  checkpointsOf: (units: readonly string[]) => Promise<ReadonlyMap<string, string | undefined>>,
): Promise<'drop' | 'remove' | 'keep'> => {
  if (raw?.[DELETED_ATTR] !== true) return 'drop';
  const fences = fencesOf(raw);
  const settled = await settledUnits(fences, new Set(), checkpointsOf);
  return settled.size === fences.size ? 'remove' : 'keep';
};

/**
 * The condition of a tombstone's removal in DynamoDB: still a tombstone, with exactly the fences the
 * sweep read (a write since then changed them, and the next sweep decides again).
 */
export const unchangedTombstone = (raw: Record<string, unknown>) => {
  const fences = [...fencesOf(raw)];
  const names: Record<string, string> = { '#d': DELETED_ATTR, '#u': UNITS_ATTR };
  const values: Record<string, unknown> = { ':n': fences.length };
  const tests = ['attribute_exists(#d)', 'size(#u) = :n'];
  fences.forEach(([unit, seq], i) => {
    names[`#f${i}`] = fenceAttr(unit);
    values[`:f${i}`] = padSeq(seq);
    tests.push(`#f${i} = :f${i}`);
  });
  return {
    ConditionExpression: tests.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
};
