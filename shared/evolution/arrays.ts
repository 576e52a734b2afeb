import type { Compare } from './compare-types';
import type { SchemaChange } from './types';
import { pointer, type SchemaObject } from './values';

export const ARRAY_KEYWORDS = ['items', 'prefixItems'];

const prefixOf = (s: SchemaObject): readonly unknown[] => (Array.isArray(s.prefixItems) ? s.prefixItems : []);

/**
 * `prefixItems` and `items` (draft 2020-12: `items` governs the elements after the prefix). Each
 * position is compared with whatever governs it on the other side, then the tails.
 */
export const compareArrays = (
  compare: Compare,
  old: SchemaObject,
  next: SchemaObject,
  oldPath: string,
  newPath: string,
): SchemaChange[] => {
  const oldPrefix = prefixOf(old);
  const newPrefix = prefixOf(next);
  const oldItems = old.items ?? true;
  const newItems = next.items ?? true;
  const out: SchemaChange[] = [];
  for (let i = 0; i < Math.max(oldPrefix.length, newPrefix.length); i++) {
    const o = i < oldPrefix.length ? oldPrefix[i] : oldItems;
    const n = i < newPrefix.length ? newPrefix[i] : newItems;
    out.push(
      ...compare(
        o,
        n,
        i < oldPrefix.length ? pointer(oldPath, 'prefixItems', i) : pointer(oldPath, 'items'),
        i < newPrefix.length ? pointer(newPath, 'prefixItems', i) : pointer(newPath, 'items'),
      ),
    );
  }
  out.push(...compare(oldItems, newItems, pointer(oldPath, 'items'), pointer(newPath, 'items')));
  return out;
};
