import type { StateUpdate } from './state-ops';

/**
 * Typed state operations checked and flattened once, in `ctx.put/update/delete`, into the plan both
 * stores read: the DynamoDB store turns it into expressions, the memory store runs it. A plan that
 * passed `planUpdate` / `planCondition` is one DynamoDB accepts, so both stores see the same writes.
 */

export type UpdateClause =
  | {
      readonly kind: 'set' | 'setIfAbsent' | 'add' | 'append';
      readonly attr: string;
      readonly value: unknown;
    }
  | { readonly kind: 'remove'; readonly attr: string };

export type Comparator = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
const COMPARATORS: readonly Comparator[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

export type ConditionTest =
  | { readonly kind: 'exists'; readonly attr: string; readonly exists: boolean }
  | { readonly kind: 'compare'; readonly attr: string; readonly op: Comparator; readonly value: unknown }
  | { readonly kind: 'beginsWith'; readonly attr: string; readonly value: string }
  | { readonly kind: 'size'; readonly attr: string; readonly op: Comparator; readonly value: number }
  | { readonly kind: 'and' | 'or'; readonly of: readonly ConditionTest[] }
  | { readonly kind: 'not'; readonly of: ConditionTest };

/** Why a plan cannot be made; the caller wraps it in `InvalidStateOpError` with the table and key. */
export class PlanProblem extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const CLAUSES = ['set', 'setIfAbsent', 'add', 'append', 'remove'] as const;

/** Flattens an update into clauses; throws `PlanProblem` for anything DynamoDB would refuse. */
export const planUpdate = (update: StateUpdate): UpdateClause[] => {
  const clauses: UpdateClause[] = [];
  const seen = new Set<string>();
  const claim = (attr: string, kind: string) => {
    if (attr === 'pk')
      throw new PlanProblem(`${kind} names the key attribute pk, which an update cannot change`);
    if (attr === '') throw new PlanProblem(`${kind} names an empty attribute`);
    if (seen.has(attr)) throw new PlanProblem(`attribute "${attr}" appears in two clauses of one update`);
    seen.add(attr);
  };
  for (const key of Object.keys(update))
    if (!(CLAUSES as readonly string[]).includes(key))
      throw new PlanProblem(`unknown update clause "${key}" (known: ${CLAUSES.join(', ')})`);
  for (const kind of ['set', 'setIfAbsent', 'add', 'append'] as const) {
    const values: unknown = update[kind];
    if (values === undefined) continue;
    if (!isRecord(values)) throw new PlanProblem(`${kind} must be an object of attribute values`);
    for (const [attr, value] of Object.entries(values)) {
      claim(attr, kind);
      if (value === undefined) throw new PlanProblem(`${kind}.${attr} is undefined (use remove)`);
      if (kind === 'add' && (typeof value !== 'number' || !Number.isFinite(value)))
        throw new PlanProblem(`add.${attr} must be a finite number`);
      if (kind === 'append' && !Array.isArray(value))
        throw new PlanProblem(`append.${attr} must be an array`);
      clauses.push({ kind, attr, value });
    }
  }
  const remove: unknown = update.remove;
  if (remove !== undefined) {
    if (!Array.isArray(remove)) throw new PlanProblem('remove must be an array of attribute names');
    for (const attr of remove) {
      if (typeof attr !== 'string') throw new PlanProblem('remove must be an array of attribute names');
      claim(attr, 'remove');
      clauses.push({ kind: 'remove', attr });
    }
  }
  if (clauses.length === 0) throw new PlanProblem('the update changes nothing');
  return clauses;
};

const planTests = (attr: string, test: unknown): ConditionTest[] => {
  if (!isRecord(test)) throw new PlanProblem(`the test of "${attr}" must be an object`);
  const tests: ConditionTest[] = [];
  for (const [key, value] of Object.entries(test)) {
    if (value === undefined) continue;
    if (key === 'exists') {
      if (typeof value !== 'boolean') throw new PlanProblem(`${attr}.exists must be a boolean`);
      tests.push({ kind: 'exists', attr, exists: value });
    } else if (key === 'beginsWith') {
      if (typeof value !== 'string') throw new PlanProblem(`${attr}.beginsWith must be a string`);
      tests.push({ kind: 'beginsWith', attr, value });
    } else if (key === 'size') {
      if (!isRecord(value)) throw new PlanProblem(`${attr}.size must be an object of comparisons`);
      const before = tests.length;
      for (const op of COMPARATORS) {
        const n = value[op];
        if (n === undefined) continue;
        if (typeof n !== 'number') throw new PlanProblem(`${attr}.size.${op} must be a number`);
        tests.push({ kind: 'size', attr, op, value: n });
      }
      const unknown = Object.keys(value).filter((k) => !(COMPARATORS as readonly string[]).includes(k));
      if (unknown.length > 0 || tests.length === before)
        throw new PlanProblem(`${attr}.size needs one of ${COMPARATORS.join(', ')}`);
    } else if ((COMPARATORS as readonly string[]).includes(key)) {
      const op = COMPARATORS.find((c) => c === key) ?? 'eq';
      const ordered = op !== 'eq' && op !== 'ne';
      if (ordered && typeof value !== 'string' && typeof value !== 'number')
        throw new PlanProblem(`${attr}.${op} compares strings or numbers only`);
      tests.push({ kind: 'compare', attr, op, value });
    } else throw new PlanProblem(`unknown test "${key}" on "${attr}"`);
  }
  if (tests.length === 0) throw new PlanProblem(`the test of "${attr}" tests nothing`);
  return tests;
};

const all = (tests: ConditionTest[]): ConditionTest => {
  const [only] = tests;
  return tests.length === 1 && only ? only : { kind: 'and', of: tests };
};

/** Flattens a condition into a test tree; every key of one object must hold (an implicit `$and`). */
export const planCondition = (condition: unknown): ConditionTest => {
  if (!isRecord(condition)) throw new PlanProblem('a condition must be an object');
  const tests: ConditionTest[] = [];
  for (const [key, value] of Object.entries(condition)) {
    if (value === undefined) continue;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0)
        throw new PlanProblem(`${key} must be a non-empty array of conditions`);
      tests.push({ kind: key === '$and' ? 'and' : 'or', of: value.map((c) => planCondition(c)) });
    } else if (key === '$not') tests.push({ kind: 'not', of: planCondition(value) });
    else if (key.startsWith('$')) throw new PlanProblem(`unknown combinator "${key}" ($and, $or, $not)`);
    else tests.push(...planTests(key, value));
  }
  if (tests.length === 0) throw new PlanProblem('the condition tests nothing');
  return all(tests);
};
