import type { RuleName, SchemaChange } from './types';
import { jsonTypeOf, pointer, type SchemaObject, sameJson, show } from './values';

/** A rule over the keywords of one schema node, old → new; `path` points at the node in the new schema. */
export type LeafRule = (old: SchemaObject, next: SchemaObject, path: string) => SchemaChange[];

const change = (
  path: string,
  rule: RuleName,
  narrows: boolean,
  widens: boolean,
  message: string,
): SchemaChange => ({ path, rule, narrows, widens, message });

// --- type -------------------------------------------------------------------------------------------

const ALL_TYPES = ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object'];

const declaredTypes = (s: SchemaObject): string[] | undefined =>
  typeof s.type === 'string'
    ? [s.type]
    : Array.isArray(s.type)
      ? s.type.filter((t): t is string => typeof t === 'string')
      : undefined;

/** Types an `enum`/`const` admits, so `{enum: ['A']}` → `{type: 'string', enum: ['A']}` is no narrowing. */
const valueTypes = (s: SchemaObject): string[] | undefined => {
  const values = allowedValues(s);
  return values === undefined ? undefined : [...new Set(values.map(jsonTypeOf))];
};

const covers = (types: readonly string[], t: string): boolean =>
  types.includes(t) || (t === 'integer' && types.includes('number'));

const showTypes = (types: readonly string[] | undefined): string =>
  types === undefined ? 'any' : types.join('|');

const typeRule: LeafRule = (old, next, path) => {
  const o = declaredTypes(old);
  const n = declaredTypes(next);
  if (o === undefined && n === undefined) return [];
  const os = o ?? valueTypes(old) ?? ALL_TYPES;
  const ns = n ?? valueTypes(next) ?? ALL_TYPES;
  const narrows = os.some((t) => !covers(ns, t));
  const widens = ns.some((t) => !covers(os, t));
  if (!narrows && !widens) return [];
  const kind = narrows && widens ? 'changed' : narrows ? 'narrowed' : 'widened';
  return [
    change(
      pointer(path, 'type'),
      `type-${kind}`,
      narrows,
      widens,
      `type ${kind} from ${showTypes(o)} to ${showTypes(n)}`,
    ),
  ];
};

// --- enum and const ------------------------------------------------------------------------------------

/** The values `enum` and `const` together admit, or undefined when neither is declared. */
export const allowedValues = (s: SchemaObject): unknown[] | undefined => {
  const fromEnum = Array.isArray(s.enum) ? s.enum : undefined;
  if (!('const' in s)) return fromEnum;
  return fromEnum === undefined || fromEnum.some((v) => sameJson(v, s.const)) ? [s.const] : [];
};

const valuesRule: LeafRule = (old, next, path) => {
  const o = allowedValues(old);
  const n = allowedValues(next);
  if (o === undefined && n === undefined) return [];
  const isConst = !('enum' in old) && !('enum' in next);
  const keyword = isConst ? 'const' : 'enum';
  const at = pointer(path, keyword);
  if (o === undefined) return [change(at, `${keyword}-added`, true, false, `${keyword} added: ${show(n)}`)];
  if (n === undefined)
    return [change(at, `${keyword}-removed`, false, true, `${keyword} removed (was ${show(o)})`)];
  const removed = o.filter((v) => !n.some((w) => sameJson(v, w)));
  const added = n.filter((v) => !o.some((w) => sameJson(v, w)));
  if (isConst)
    return removed.length || added.length
      ? [change(at, 'const-changed', true, true, `const changed from ${show(o[0])} to ${show(n[0])}`)]
      : [];
  return [
    ...(removed.length
      ? [
          change(
            at,
            'enum-value-removed',
            true,
            false,
            `enum values removed: ${removed.map(show).join(', ')}`,
          ),
        ]
      : []),
    ...(added.length
      ? [change(at, 'enum-value-added', false, true, `enum values added: ${added.map(show).join(', ')}`)]
      : []),
  ];
};

// --- keywords that either add a constraint or are absent ---------------------------------------------

/** `pattern` and `format`: added narrows, removed widens, changed does both (regex implication is not proved). */
const presenceRule =
  (keyword: 'pattern' | 'format'): LeafRule =>
  (old, next, path) => {
    const o = old[keyword];
    const n = next[keyword];
    if (sameJson(o, n)) return [];
    const at = pointer(path, keyword);
    if (o === undefined) return [change(at, `${keyword}-added`, true, false, `${keyword} added: ${show(n)}`)];
    if (n === undefined)
      return [change(at, `${keyword}-removed`, false, true, `${keyword} removed (was ${show(o)})`)];
    return [change(at, `${keyword}-changed`, true, true, `${keyword} changed from ${show(o)} to ${show(n)}`)];
  };

const uniqueItemsRule: LeafRule = (old, next, path) => {
  const o = old.uniqueItems === true;
  const n = next.uniqueItems === true;
  if (o === n) return [];
  const at = pointer(path, 'uniqueItems');
  return n
    ? [change(at, 'unique-items-added', true, false, 'uniqueItems added')]
    : [change(at, 'unique-items-removed', false, true, 'uniqueItems removed')];
};

const divides = (divisor: number | undefined, n: number | undefined): boolean =>
  divisor === undefined || (n !== undefined && Number.isInteger(n / divisor));

const multipleOfRule: LeafRule = (old, next, path) => {
  const o = typeof old.multipleOf === 'number' ? old.multipleOf : undefined;
  const n = typeof next.multipleOf === 'number' ? next.multipleOf : undefined;
  if (o === n) return [];
  // Old data are multiples of o: still valid when n divides o. New data are multiples of n.
  const narrows = !divides(n, o);
  const widens = !divides(o, n);
  return [
    change(
      pointer(path, 'multipleOf'),
      'multiple-of-changed',
      narrows,
      widens,
      `multipleOf changed from ${o ?? 'none'} to ${n ?? 'none'}`,
    ),
  ];
};

export const LEAF_KEYWORDS = ['type', 'enum', 'const', 'pattern', 'format', 'uniqueItems', 'multipleOf'];

// The calls are marked pure so a bundle that imports this module only for `upcast` (every consumer)
// drops the rules (see compare.ts).
export const LEAF_RULES: readonly LeafRule[] = [
  typeRule,
  valuesRule,
  /* @__PURE__ */ presenceRule('pattern'),
  /* @__PURE__ */ presenceRule('format'),
  uniqueItemsRule,
  multipleOfRule,
];
