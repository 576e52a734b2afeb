import type { ConditionTest, UpdateClause } from './state-ops-plan';
import type { StateItem } from './types';

/**
 * The typed state operations run in memory with DynamoDB's semantics, as measured against DynamoDB
 * Local (test/integration/consumer/store-contract.test.ts holds both to the same cases):
 * - `eq` is false across types and on a missing attribute; `ne` is its negation, so it is true there;
 * - `lt/le/gt/ge` compare numbers by value and strings by UTF-8 bytes, and are false across types;
 * - `size` counts a string's characters and a list's or map's entries, and is no number otherwise;
 * - `add` and `append` treat a missing attribute as 0 and as an empty list, and refuse any other type
 *   with DynamoDB's ValidationException; number sums are decimal (0.1 + 0.2 is 0.3), as DynamoDB's.
 */

type Value = unknown;

const kindOf = (v: Value): string => {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return 'S';
  if (typeof v === 'number' || typeof v === 'bigint') return 'N';
  if (typeof v === 'boolean') return 'BOOL';
  if (Array.isArray(v)) return 'L';
  if (v instanceof Set) return 'SET';
  if (v instanceof Uint8Array) return 'B';
  return 'M';
};

const equal = (a: Value, b: Value): boolean => {
  if (a === undefined || b === undefined) return false;
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return false;
  if (kind === 'N') return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((x) => b.has(x));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (kind === 'M' && typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const x = Object.entries(a);
    const y = new Map(Object.entries(b));
    return x.length === y.size && x.every(([k, v]) => equal(v, y.get(k)));
  }
  return a === b;
};

/** Sign of a - b for two numbers or two strings (UTF-8 byte order); undefined across types. */
const order = (a: Value, b: Value): number | undefined => {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return undefined;
};

const compare = (op: string, a: Value, b: Value): boolean => {
  if (op === 'eq') return equal(a, b);
  if (op === 'ne') return !equal(a, b);
  const sign = order(a, b);
  if (sign === undefined) return false;
  return op === 'lt' ? sign < 0 : op === 'le' ? sign <= 0 : op === 'gt' ? sign > 0 : sign >= 0;
};

const sizeOf = (v: Value): number | undefined => {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Set) return v.size;
  if (v instanceof Uint8Array) return v.length;
  if (kindOf(v) === 'M' && typeof v === 'object' && v !== null) return Object.keys(v).length;
  return undefined;
};

/** Whether `test` holds for `item` (undefined: the item does not exist, so no attribute does). */
export const holds = (test: ConditionTest, item: StateItem | undefined): boolean => {
  switch (test.kind) {
    case 'and':
      return test.of.every((t) => holds(t, item));
    case 'or':
      return test.of.some((t) => holds(t, item));
    case 'not':
      return !holds(test.of, item);
    case 'exists':
      return (item?.[test.attr] !== undefined) === test.exists;
    case 'compare':
      return compare(test.op, item?.[test.attr], test.value);
    case 'beginsWith': {
      const v = item?.[test.attr];
      return typeof v === 'string' && v.startsWith(test.value);
    }
    case 'size':
      return compare(test.op, sizeOf(item?.[test.attr]), test.value);
  }
};

/** DynamoDB's answer to an operand of the wrong type in an update: a ValidationException, no cancellation. */
const wrongOperand = (): Error => {
  const error = new Error('An operand in the update expression has an incorrect data type');
  error.name = 'ValidationException';
  return error;
};

/** `x` as an exact decimal: digits and the power of ten they are scaled by. */
const decimal = (x: number): { digits: bigint; scale: number } => {
  const [mantissa = '0', exponent = '0'] = String(x).toLowerCase().split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  return { digits: BigInt(whole + fraction), scale: fraction.length - Number(exponent) };
};

/** a + b as DynamoDB adds them (decimal, then read back as the nearest double). */
const decimalSum = (a: number, b: number): number => {
  const x = decimal(a);
  const y = decimal(b);
  const scale = Math.max(x.scale, y.scale, 0);
  const sum = x.digits * 10n ** BigInt(scale - x.scale) + y.digits * 10n ** BigInt(scale - y.scale);
  return Number(`${sum}e-${scale}`);
};

/**
 * a + b as one number that stands for the exact decimal sum, or undefined when the sum needs more
 * digits than a double keeps (then sending it would round what DynamoDB would have kept exact).
 */
export const exactSum = (a: number, b: number): number | undefined => {
  const sum = decimalSum(a, b);
  const x = decimal(a);
  const y = decimal(b);
  const z = decimal(sum);
  const scale = Math.max(x.scale, y.scale, z.scale, 0);
  const up = (d: { digits: bigint; scale: number }) => d.digits * 10n ** BigInt(scale - d.scale);
  return up(x) + up(y) === up(z) ? sum : undefined;
};

/** The item after `clauses`; every clause reads the item as it was before. Throws as DynamoDB does. */
export const applyClauses = (
  before: StateItem | undefined,
  pk: string,
  clauses: readonly UpdateClause[],
): StateItem => {
  const next: Record<string, unknown> = { ...structuredClone(before ?? {}), pk };
  for (const clause of clauses) {
    const current = before?.[clause.attr];
    switch (clause.kind) {
      case 'set':
        next[clause.attr] = structuredClone(clause.value);
        break;
      case 'setIfAbsent':
        if (current === undefined) next[clause.attr] = structuredClone(clause.value);
        break;
      case 'add':
        if (current !== undefined && typeof current !== 'number') throw wrongOperand();
        next[clause.attr] = decimalSum(current ?? 0, Number(clause.value));
        break;
      case 'append':
        if (current !== undefined && !Array.isArray(current)) throw wrongOperand();
        next[clause.attr] = [
          ...(current ?? []),
          ...structuredClone(Array.isArray(clause.value) ? clause.value : []),
        ];
        break;
      case 'remove':
        delete next[clause.attr];
        break;
    }
  }
  return { ...next, pk };
};
