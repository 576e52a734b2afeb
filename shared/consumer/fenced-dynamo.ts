import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  DELETED_ATTR,
  fenceAttr,
  fencesOf,
  fenceValue,
  keptValue,
  MAX_FENCE_UNITS,
  padSeq,
  storedFencesOf,
  UNITS_ATTR,
  writtenFences,
} from './fence';
import { fenceApplied, userConditionHolds } from './fenced-memory';
import { toExpressions } from './state-ops-dynamo';
import { holds } from './state-ops-memory';
import { type ConditionTest, planCondition, planUpdate, type UpdateClause } from './state-ops-plan';
import type { StateWrite } from './types';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Raw = Record<string, unknown>;

/**
 * What a read told a write that failed its fast condition: the stored item, and which other units'
 * fences it may drop (settled). The write is then conditional on the fences read being unchanged.
 */
export interface MergeFrom {
  readonly raw: Raw | undefined;
  readonly dropped: ReadonlySet<string>;
}

/**
 * Names and values of the runtime's own condition parts; `#s*` / `:s*` never meet toExpressions' `#a*` /
 * `:v*`. A name is taken only where a test uses it: DynamoDB refuses a placeholder no expression uses.
 */
class Parts {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  readonly tests: string[] = [];
  name(attr: string): string {
    const key = `#s${Object.keys(this.names).length}`;
    this.names[key] = attr;
    return key;
  }
  value(v: unknown): string {
    const key = `:s${Object.keys(this.values).length}`;
    this.values[key] = v;
    return key;
  }
}

/** The user's condition as DynamoDB sees it, read against the user's view: a tombstone is a missing item. */
const userCondition = (parts: Parts, typed: ConditionTest | undefined, rendered: string | undefined) => {
  if (typed === undefined || rendered === undefined) return;
  const deleted = parts.name(DELETED_ATTR);
  parts.tests.push(
    holds(typed, undefined)
      ? `(attribute_exists(${deleted}) OR ${rendered})`
      : `(attribute_not_exists(${deleted}) AND ${rendered})`,
  );
};

/** Conditions on the fences: each unit below its first event, and the item's units as the write assumes. */
const fenceConditions = (parts: Parts, write: StateWrite, merge: MergeFrom | undefined) => {
  const fences = write.fences ?? [];
  for (const f of fences) {
    const n = parts.name(fenceAttr(f.unit));
    parts.tests.push(`(attribute_not_exists(${n}) OR ${n} < ${parts.value(padSeq(f.first))})`);
  }
  const units = parts.name(UNITS_ATTR);
  if (merge) {
    const stored = storedFencesOf(merge.raw);
    if (stored.size === 0) parts.tests.push(`attribute_not_exists(${units})`);
    else {
      parts.tests.push(`size(${units}) = ${parts.value(stored.size)}`);
      for (const [u, f] of stored) parts.tests.push(`${parts.name(fenceAttr(u))} = ${parts.value(f.value)}`);
    }
    return;
  }
  if (write.kind === 'update') {
    parts.tests.push(`(attribute_not_exists(${units}) OR size(${units}) <= ${parts.value(MAX_FENCE_UNITS)})`);
    return;
  }
  const written = writtenFences(fences);
  if (written.length === 0) {
    // An unfenced put or delete (key mode) replaces the item whole: only when no unit's fence is on it.
    parts.tests.push(`attribute_not_exists(${units})`);
    return;
  }
  const mine = written.map((f) => `contains(${units}, ${parts.value(f.unit)})`);
  parts.tests.push(
    `(attribute_not_exists(${units}) OR (size(${units}) = ${parts.value(written.length)} AND ${mine.join(' AND ')}))`,
  );
};

/**
 * Fences the write leaves: its own at `last`, and (merging) the other units' it keeps. A delete keeps its
 * own too, as a tombstone: a put of an earlier event of its unit whose request lands late (abandoned by
 * the SDK at its timeout, or in flight when Lambda killed the invocation) then fails its fence condition
 * instead of re-creating the erased item. The tombstone is swept after a grace period (tombstones.ts).
 * Every fence written carries `at`, the write's time (`fenceValue`; a kept untimed one is stamped).
 */
const fenceAttrs = (write: StateWrite, merge: MergeFrom | undefined, at: number) => {
  const fences = writtenFences(write.fences);
  const mine = new Set(fences.map((f) => f.unit));
  const kept = [...storedFencesOf(merge?.raw)].filter(([u]) => !mine.has(u) && !merge?.dropped.has(u));
  const attrs: Raw = Object.fromEntries([
    ...kept.map(([u, f]) => [fenceAttr(u), keptValue(f, at)]),
    ...fences.map((f) => [fenceAttr(f.unit), fenceValue(f.last, at)]),
  ]);
  return { attrs, units: new Set([...kept.map(([u]) => u), ...mine]) };
};

/**
 * One write as a DynamoDB operation (a transaction item; the single path sends its Put or Update
 * alone). Unfenced writes are today's, but for the tombstone: their conditions read the user's view
 * and an update clears the flag. Fenced: see docs/consumer-single-item.md; `merge` after a read.
 * `at`: the write's time (epoch ms, the writer's clock), stored in its fences for pruning.
 */
export const fencedOp = (table: string, write: StateWrite, at: number, merge?: MergeFrom): TransactItem => {
  const typed = write.if === undefined ? undefined : planCondition(write.if);
  const fenced = (write.fences ?? []).length > 0;
  const parts = new Parts();
  if (write.kind === 'update') {
    const clauses: UpdateClause[] = [...planUpdate(write.update), { kind: 'remove', attr: DELETED_ATTR }];
    if (fenced) {
      const { attrs, units } = fenceAttrs(write, merge, at);
      for (const [attr, value] of Object.entries(attrs)) clauses.push({ kind: 'set', attr, value });
      for (const u of merge?.dropped ?? []) clauses.push({ kind: 'remove', attr: fenceAttr(u) });
      const pruned = merge !== undefined && fencesOf(merge.raw).size > 0;
      if (units.size > 0) clauses.push({ kind: pruned ? 'set' : 'add', attr: UNITS_ATTR, value: units });
      else if (pruned) clauses.push({ kind: 'remove', attr: UNITS_ATTR });
    }
    const { UpdateExpression = '', ConditionExpression, ...maps } = toExpressions(clauses, typed);
    userCondition(parts, typed, ConditionExpression);
    if (fenced) fenceConditions(parts, write, merge);
    return { Update: { TableName: table, Key: { pk: write.pk }, UpdateExpression, ...merged(parts, maps) } };
  }
  const { ConditionExpression, ...maps } = toExpressions([], typed);
  userCondition(parts, typed, ConditionExpression);
  // Put and delete keep other units' unsettled fences, fenced or not (review F1): an unfenced one
  // (key mode) whose fast condition fails merges after a read as a fenced one does.
  fenceConditions(parts, write, merge);
  const { attrs, units } = fenceAttrs(write, merge, at);
  const rest = merged(parts, maps);
  if (units.size === 0)
    return write.kind === 'put'
      ? { Put: { TableName: table, Item: write.item, ...rest } }
      : { Delete: { TableName: table, Key: { pk: write.pk }, ...rest } };
  const user = write.kind === 'put' ? write.item : { pk: write.pk, [DELETED_ATTR]: true };
  const Item = { ...user, ...attrs, [UNITS_ATTR]: units };
  return { Put: { TableName: table, Item, ...rest } };
};

/** The runtime's parts joined with the user's (toExpressions') maps; empty maps left out, as DynamoDB requires. */
const merged = (
  parts: Parts,
  maps: {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  },
) => {
  const tests = parts.tests;
  const names = { ...maps.ExpressionAttributeNames, ...parts.names };
  const values = { ...maps.ExpressionAttributeValues, ...parts.values };
  return {
    ...(tests.length > 0 && { ConditionExpression: tests.join(' AND ') }),
    // A failed condition returns the item it was evaluated against: classified without a read (F8).
    ...(tests.length > 0 && { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }),
    ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
  };
};

/** Writes whose condition carries runtime parts (fences or units): a failed one is read and merged. */
export const runtimeConditioned = (write: StateWrite): boolean =>
  (write.fences ?? []).length > 0 || write.kind !== 'update';

/** Why a fenced write's condition failed, from a consistent read of the item after it. */
export const classify = (raw: Raw | undefined, write: StateWrite): 'applied' | 'rejected' | 'retry' => {
  if (fenceApplied(raw, write)) return 'applied';
  if (!userConditionHolds(raw, write)) return 'rejected';
  return 'retry';
};

/** Units of `raw` a merge may drop: only a put or delete, or an update past `MAX_FENCE_UNITS`, prunes. */
export const prunes = (raw: Raw | undefined, write: StateWrite): boolean =>
  write.kind !== 'update' || fencesOf(raw).size > MAX_FENCE_UNITS;
