import {
  DELETED_ATTR,
  fenceAttr,
  fencesOf,
  fenceValue,
  keptValue,
  MAX_FENCE_UNITS,
  type StoredFence,
  storedFencesOf,
  UNITS_ATTR,
  userView,
  writtenFences,
} from './fence';
import { applyClauses, holds } from './state-ops-memory';
import { planCondition, planUpdate } from './state-ops-plan';
import { compareSequence } from './store';
import type { StateWrite } from './types';

type Raw = Record<string, unknown>;

/** What a fenced write does to a stored item: nothing (already applied, or the user's `if` failed), or this. */
export type FencedOutcome =
  | { readonly kind: 'applied' }
  | { readonly kind: 'rejected' }
  | { readonly kind: 'write'; readonly item: Raw | undefined };

/** Units whose fence the write may drop (settled a grace ago: `settledUnits`), out of the `foreign` ones. */
export type SettledOf = (foreign: ReadonlyMap<string, StoredFence>) => Promise<ReadonlySet<string>>;

/** The fences of a write already at or past its events: the write must not apply again. */
export const fenceApplied = (raw: Raw | undefined, write: StateWrite): boolean => {
  const stored = fencesOf(raw);
  return (write.fences ?? []).some((f) => {
    const at = stored.get(f.unit);
    return at !== undefined && compareSequence(at, f.first) >= 0;
  });
};

/** The user's `if` against the user's view of the stored item (a tombstone is a missing item). */
export const userConditionHolds = (raw: Raw | undefined, write: StateWrite): boolean =>
  write.if === undefined || holds(planCondition(write.if), userView(raw));

/**
 * A fenced write with the DynamoDB store's semantics (fenced-dynamo.ts; the store contract suite holds
 * them equal): applied when a fence says so, rejected when the user's condition fails on the user's
 * view, else the new stored item. A put or delete drops the fences of other units settled a grace
 * ago; an update keeps them until the item holds more than `MAX_FENCE_UNITS` units. `at`: the write's
 * time, stored in its fences (and in kept untimed ones, as the DynamoDB store's merge does).
 */
export const fencedWrite = async (
  raw: Raw | undefined,
  write: StateWrite,
  settledOf: SettledOf,
  at: number,
): Promise<FencedOutcome> => {
  if (fenceApplied(raw, write)) return { kind: 'applied' };
  if (!userConditionHolds(raw, write)) return { kind: 'rejected' };
  const fences = writtenFences(write.fences);
  const mine = new Set(fences.map((f) => f.unit));
  const stored = storedFencesOf(raw);
  const foreign = new Map([...stored].filter(([u]) => !mine.has(u)));
  // Where the DynamoDB store reads and merges (a put or delete over other units, an update past the limit).
  const prune = write.kind !== 'update' || stored.size > MAX_FENCE_UNITS;
  const dropped = prune ? await settledOf(foreign) : new Set<string>();
  const kept = new Map([...foreign].filter(([u]) => !dropped.has(u)));
  const own = Object.fromEntries(fences.map((f) => [fenceAttr(f.unit), fenceValue(f.last, at)]));
  const keptAttrs = Object.fromEntries([...kept].map(([u, f]) => [fenceAttr(u), keptValue(f, at)]));
  const units = new Set([...kept.keys(), ...mine]);
  const pk = write.kind === 'put' ? write.item.pk : write.pk;
  // An unfenced put or delete (key mode) keeping no fence is the plain one (review F1).
  const unitsAttr = units.size > 0 ? { [UNITS_ATTR]: units } : {};
  if (write.kind === 'put')
    return { kind: 'write', item: { ...structuredClone(write.item), ...keptAttrs, ...own, ...unitsAttr } };
  // A delete keeps its own fence as a tombstone (fenceAttrs in fenced-dynamo.ts): a late-landing put
  // of an earlier event of its unit is then "applied", not a resurrection. Swept after a grace period.
  if (write.kind === 'delete')
    return {
      kind: 'write',
      item: units.size > 0 ? { pk, [DELETED_ATTR]: true, ...keptAttrs, ...own, ...unitsAttr } : undefined,
    };
  const base: Raw = { ...(raw ?? {}) };
  for (const u of dropped) delete base[fenceAttr(u)];
  const merged = prune ? keptAttrs : {};
  const next: Raw = {
    ...applyClauses(userAndFences(base, pk), pk, planUpdate(write.update)),
    ...merged,
    ...own,
  };
  delete next[DELETED_ATTR];
  return { kind: 'write', item: { ...next, ...unitsAttr } };
};

/** The stored item without its units set (rebuilt by the caller), as an item for `applyClauses`. */
const userAndFences = (raw: Raw, pk: string) => {
  const out: Raw = {};
  for (const [k, v] of Object.entries(raw)) if (k !== UNITS_ATTR) out[k] = v;
  return { ...out, pk };
};

/** An unfenced write's stored result (tests and tools that commit directly), tombstone-aware. */
export const plainWrite = (raw: Raw | undefined, write: StateWrite): Raw | undefined => {
  if (write.kind === 'put') return structuredClone(write.item);
  if (write.kind === 'delete') return undefined;
  const next: Raw = applyClauses(raw && { ...raw, pk: write.pk }, write.pk, planUpdate(write.update));
  delete next[DELETED_ATTR];
  return next;
};
