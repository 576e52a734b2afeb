import type { LeafRule } from './leaf-rules';
import type { SchemaChange } from './types';
import { pointer, type SchemaObject } from './values';

interface Bound {
  readonly keyword: string;
  readonly value: number;
  readonly exclusive: boolean;
}

/** Each family of bounds, compared as one effective bound so `minimum: 0` → `exclusiveMinimum: 0` is one change. */
const FAMILIES: readonly { readonly side: 'lower' | 'upper'; readonly keywords: readonly string[] }[] = [
  { side: 'lower', keywords: ['minimum', 'exclusiveMinimum'] },
  { side: 'upper', keywords: ['maximum', 'exclusiveMaximum'] },
  { side: 'lower', keywords: ['minLength'] },
  { side: 'upper', keywords: ['maxLength'] },
  { side: 'lower', keywords: ['minItems'] },
  { side: 'upper', keywords: ['maxItems'] },
  { side: 'lower', keywords: ['minProperties'] },
  { side: 'upper', keywords: ['maxProperties'] },
];

// Pure: droppable from bundles that never compare schemas (see compare.ts).
export const BOUND_KEYWORDS = /* @__PURE__ */ FAMILIES.flatMap((f) => f.keywords);

/** Positive when `a` admits fewer values than `b` on this side. */
const tighter = (side: 'lower' | 'upper', a: Bound, b: Bound): number => {
  if (a.value !== b.value) return side === 'lower' ? a.value - b.value : b.value - a.value;
  return Number(a.exclusive) - Number(b.exclusive);
};

const effective = (s: SchemaObject, side: 'lower' | 'upper', keywords: readonly string[]) => {
  let best: Bound | undefined;
  for (const keyword of keywords) {
    const value = s[keyword];
    if (typeof value !== 'number') continue;
    // A count bound of 0 (minLength: 0) admits everything: the same as no bound.
    if (value === 0 && keyword.startsWith('min') && keyword !== 'minimum') continue;
    const bound = { keyword, value, exclusive: keyword.startsWith('exclusive') };
    if (!best || tighter(side, bound, best) > 0) best = bound;
  }
  return best;
};

const showBound = (b: Bound | undefined, same: boolean): string =>
  b === undefined ? 'none' : same ? String(b.value) : `${b.keyword} ${b.value}`;

/** Bounds tightened narrow (old data may fall outside), relaxed widen. */
export const boundsRule: LeafRule = (old, next, path) => {
  const out: SchemaChange[] = [];
  for (const { side, keywords } of FAMILIES) {
    const o = effective(old, side, keywords);
    const n = effective(next, side, keywords);
    if (!o && !n) continue;
    const order = !o ? 1 : !n ? -1 : tighter(side, n, o);
    if (order === 0) continue;
    const same = (o?.keyword ?? n?.keyword) === (n?.keyword ?? o?.keyword);
    const name = same ? (n?.keyword ?? o?.keyword ?? side) : `${side} bound`;
    const verb = order > 0 ? 'tightened' : 'relaxed';
    out.push({
      path: pointer(path, n?.keyword ?? o?.keyword ?? side),
      rule: order > 0 ? 'bound-tightened' : 'bound-relaxed',
      narrows: order > 0,
      widens: order < 0,
      message: `${name} ${verb} from ${showBound(o, same)} to ${showBound(n, same)}`,
    });
  }
  return out;
};
