import type { Condition, StateUpdate } from './state-ops';
import { withinExpressionLimits } from './state-ops-dynamo';
import { applyClauses, exactSum } from './state-ops-memory';
import {
  type ConditionTest,
  PlanProblem,
  planCondition,
  planUpdate,
  type UpdateClause,
} from './state-ops-plan';
import { MAX_ITEM_BYTES } from './store';
import type { StateItem, StateWrite } from './types';

/**
 * Coalescing within one commit (Kafka Streams' record cache, Flink's mini-batch): a write to an item
 * already pending folds into the pending write when one DynamoDB operation has exactly the effect of
 * the two in order, failures included. `undefined` means no exact fold is known, and the caller
 * commits first, as without coalescing. The rules:
 * - put or delete, then put or delete: the last image;
 * - put or delete, then update: a put of the updated image, computed with the memory store's
 *   semantics (held equal to DynamoDB by the store contract suite). On a deleted item the image is
 *   what UpdateItem creates on a missing item: the key and the update;
 * - update, then update: one update, per attribute (set, remove: last wins; add onto add or set: the
 *   sum; append onto append or a set list: the concatenation; after a remove, add and append start
 *   from nothing). It stays an update: a commutative `add` on an item other shards also write (a
 *   shared counter) must never become a blind put of an image computed from a stale read.
 * A later write with its own condition never folds (its condition reads the item between the two);
 * the first write's condition is kept (it still reads the item as stored before the commit). A write
 * that could fail alone is never replaced by a later one, since the fold would hide its failure and
 * apply an event the one-by-one path parks: a put whose item is not plainly valid and well under
 * 400 KB, an update (but a remove-only one) under a put or delete, an `add` or `append` under a `set`
 * or `remove` of its attribute (a wrong stored type), a `set` of a value over 1 KB (item size). Nor
 * is a later value DynamoDB may refuse dropped or trusted: a later update folds only when all its values
 * are plain, and a folded update only within DynamoDB's expression limits.
 */
export const foldWrite = (pending: StateWrite, next: StateWrite): StateWrite | undefined => {
  if (next.if !== undefined) return undefined;
  // A clause the fold drops (a setIfAbsent on a present attribute) is never sent: only a plain value
  // is sure to be one DynamoDB would have accepted.
  if (next.kind === 'update' && !plainUpdate(next.update)) return undefined;
  if (pending.kind === 'put' && !plainWithin(pending.item, MAX_ITEM_BYTES / 2)) return undefined;
  const condition = pending.if === undefined ? {} : { if: pending.if };
  if (next.kind === 'put' || next.kind === 'delete') {
    if (pending.kind === 'update' && !(removeOnly(pending.update) && expressible(pending.update)))
      return undefined;
    return { ...next, ...condition };
  }
  if (pending.kind === 'update') {
    const update = foldUpdates(pending.update, next.update, pending.if);
    return update && { ...pending, update };
  }
  // As a put, the update is never rendered: one DynamoDB would refuse for its size must go alone.
  if (!expressible(next.update)) return undefined;
  const image = updatedImage(pending.kind === 'put' ? pending.item : undefined, next.pk, next.update);
  return image && { kind: 'put', table: next.table, item: image, ...condition };
};

/** True when every value in `update` is plain, in all well under 400 KB: DynamoDB takes each as a value. */
const plainUpdate = (update: StateUpdate): boolean => {
  const clauses = plan(update);
  const values = clauses?.map((c) => (c.kind === 'remove' ? null : c.value));
  return values !== undefined && plainWithin(values, MAX_ITEM_BYTES / 2);
};

/** True when `update` alone renders within DynamoDB's expression limits. */
const expressible = (update: StateUpdate): boolean => {
  const clauses = plan(update);
  return clauses !== undefined && withinExpressionLimits(clauses);
};

const removeOnly = (update: StateUpdate): boolean => Object.keys(update).every((k) => k === 'remove');

/**
 * True when `value` holds only what DynamoDB stores without complaint (strings, numbers the marshaller
 * takes and DynamoDB's range holds,
 * booleans, null, lists and maps, nested at most 32 deep) in at most `bytes` of JSON: such a write
 * cannot fail alone for its content. JSON is at least half DynamoDB's size for any such value.
 */
const plainWithin = (value: unknown, bytes: number): boolean => {
  const plain = (v: unknown, depth: number): boolean => {
    if (depth > 32) return false;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
    // The SDK's marshaller refuses numbers past the safe integers (without allowImpreciseNumbers).
    if (typeof v === 'number')
      return v === 0 || (Math.abs(v) <= Number.MAX_SAFE_INTEGER && Math.abs(v) > 1e-129);
    if (Array.isArray(v)) return v.every((x) => plain(x, depth + 1));
    if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
    return Object.entries(v).every(([k, x]) => k !== '' && plain(x, depth + 1));
  };
  return plain(value, 0) && Buffer.byteLength(JSON.stringify(value)) <= bytes;
};

/**
 * The item a reader sees once `update` applies to `stored` (read-your-writes over the batch), or
 * undefined when that cannot be computed exactly (DynamoDB would refuse the update, or a sum would
 * round): the caller then commits first and reads the store.
 */
export const updatedImage = (
  stored: StateItem | undefined,
  pk: string,
  update: StateUpdate,
): StateItem | undefined => {
  const clauses = plan(update);
  if (!clauses) return undefined;
  for (const c of clauses) {
    const current = stored?.[c.attr];
    if (c.kind === 'add' && typeof current === 'number' && exactSum(current, Number(c.value)) === undefined)
      return undefined;
  }
  try {
    return applyClauses(stored, pk, clauses);
  } catch {
    return undefined; // a wrong operand type: DynamoDB refuses it, so the write goes alone and fails there
  }
};

const plan = (update: StateUpdate): UpdateClause[] | undefined => {
  try {
    return planUpdate(update);
  } catch (error) {
    if (error instanceof PlanProblem) return undefined;
    throw error;
  }
};

/**
 * One update with the effect of `first` then `second`, or undefined when no exact one is known or when
 * it would pass DynamoDB's expression limits together with `condition` (the first write's, kept): a
 * rejected commit would cost every folded event a commit of its own.
 */
export const foldUpdates = (
  first: StateUpdate,
  second: StateUpdate,
  condition?: Condition,
): StateUpdate | undefined => {
  const a = plan(first);
  const b = plan(second);
  const test = condition === undefined ? undefined : planTest(condition);
  if (!a || !b || test === null || !plainUpdate(second)) return undefined;
  const byAttr = new Map(a.map((c) => [c.attr, c]));
  for (const c of b) {
    const before = byAttr.get(c.attr);
    const folded = before ? foldClause(before, c) : c;
    if (!folded) return undefined;
    byAttr.set(c.attr, folded);
  }
  const clauses = [...byAttr.values()];
  return withinExpressionLimits(clauses, test) ? toUpdate(clauses) : undefined;
};

/** The typed condition, or null when it cannot be planned (the caller then does not fold). */
const planTest = (condition: Condition): ConditionTest | null => {
  try {
    return planCondition(condition);
  } catch (error) {
    if (error instanceof PlanProblem) return null;
    throw error;
  }
};

/**
 * Addends this large are never summed: the stored value could take the first past DynamoDB's range
 * (1e120 would do for that), and past the safe integers the SDK's marshaller refuses them anyway while
 * the memory store's double sums round differently in two steps than in one.
 */
const MAX_FOLDED_ADDEND = Number.MAX_SAFE_INTEGER;

/**
 * Alone, the first add meets the stored value and may fail there (past DynamoDB's range, 9.99e125, or
 * its 38 significant digits). Addends of one sign cannot hide that: the sum goes at least as far. Addends
 * that cancel (+a then -a: add 0) could, so they fold only as safe integers (counters), and no addend
 * or sum passes `MAX_FOLDED_ADDEND`.
 */
const foldableAddends = (a: number, b: number, sum: number): boolean => {
  if ([a, b, sum].some((x) => Math.abs(x) > MAX_FOLDED_ADDEND)) return false;
  return Math.sign(a) * Math.sign(b) >= 0 || (Number.isSafeInteger(a) && Number.isSafeInteger(b));
};

const set = (attr: string, value: unknown): UpdateClause => ({ kind: 'set', attr, value });

/** One clause with the effect of `a` then `b` on one attribute, or undefined. */
const foldClause = (a: UpdateClause, b: UpdateClause): UpdateClause | undefined => {
  const { attr } = b;
  switch (b.kind) {
    case 'set':
    case 'remove':
      // `a` alone may fail (a wrong stored type, or the item's size): only a write that cannot is replaced.
      if (a.kind === 'remove') return b;
      if ((a.kind === 'set' || a.kind === 'setIfAbsent') && plainWithin(a.value, 1024)) return b;
      return undefined;
    case 'setIfAbsent':
      // After any clause but a remove the attribute exists, so the second is a no-op.
      return a.kind === 'remove' ? set(attr, b.value) : a;
    case 'add': {
      const n = Number(b.value);
      if (a.kind === 'remove') return set(attr, n);
      if (a.kind === 'add') {
        const sum = exactSum(Number(a.value), n);
        return sum === undefined || !foldableAddends(Number(a.value), n, sum)
          ? undefined
          : { kind: 'add', attr, value: sum };
      }
      if (a.kind === 'set' && typeof a.value === 'number') {
        const sum = exactSum(a.value, n);
        return sum === undefined ? undefined : set(attr, sum);
      }
      return undefined; // onto setIfAbsent (depends on the stored value) or a non-number
    }
    case 'append': {
      const more = Array.isArray(b.value) ? b.value : [];
      if (a.kind === 'remove') return set(attr, [...more]);
      if (a.kind === 'append' && Array.isArray(a.value))
        return { kind: 'append', attr, value: [...a.value, ...more] };
      if (a.kind === 'set' && Array.isArray(a.value)) return set(attr, [...a.value, ...more]);
      return undefined;
    }
  }
};

/** Clauses back into the typed form the stores read. */
const toUpdate = (clauses: readonly UpdateClause[]): StateUpdate => {
  const out: {
    set?: Record<string, unknown>;
    setIfAbsent?: Record<string, unknown>;
    add?: Record<string, number>;
    append?: Record<string, readonly unknown[]>;
    remove?: string[];
  } = {};
  for (const c of clauses) {
    if (c.kind === 'remove') out.remove = [...(out.remove ?? []), c.attr];
    else if (c.kind === 'add') out.add = { ...out.add, [c.attr]: Number(c.value) };
    else if (c.kind === 'append')
      out.append = { ...out.append, [c.attr]: Array.isArray(c.value) ? c.value : [] };
    else if (c.kind === 'set') out.set = { ...out.set, [c.attr]: c.value };
    else out.setIfAbsent = { ...out.setIfAbsent, [c.attr]: c.value };
  }
  return out;
};
