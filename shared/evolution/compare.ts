import { ARRAY_KEYWORDS, compareArrays } from './arrays';
import { BOUND_KEYWORDS, boundsRule } from './bounds';
import type { Compare } from './compare-types';
import { LEAF_KEYWORDS, LEAF_RULES } from './leaf-rules';
import { compareObjects, OBJECT_KEYWORDS } from './objects';
import { ANNOTATIONS, pureRef, resolveRef } from './refs';
import type { SchemaChange } from './types';
import { containsRef, isObject, pointer, type SchemaObject, sameJson, show } from './values';

// Pure-annotated (and no spread, which esbuild counts as a side effect): a bundle that imports the
// evolution module only for `upcast` (every consumer) then drops the comparison rules (~3 KB).
const HANDLED = /* @__PURE__ */ new Set(
  /* @__PURE__ */ LEAF_KEYWORDS.concat(BOUND_KEYWORDS, OBJECT_KEYWORDS, ARRAY_KEYWORDS),
);

/**
 * Keywords whose meaning depends on their siblings (which properties count as "additional" once
 * `patternProperties` is there, what `unevaluated*` saw): with them, per-keyword rules are unsound,
 * so a node that holds one and differs at all cannot be proved compatible.
 */
const ENTANGLED = [
  'patternProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'additionalItems',
  '$dynamicRef',
  '$recursiveRef',
];

const cannotProve = (path: string, message: string): SchemaChange => ({
  path,
  rule: 'cannot-prove',
  narrows: true,
  widens: true,
  message,
});

/** Follows pure `$ref` nodes to their target, with the target's pointer; undefined when unresolvable. */
const follow = (root: unknown, node: unknown, path: string) => {
  let current = node;
  let at = path;
  for (let hops = 0; hops < 32 && isObject(current); hops++) {
    const ref = pureRef(current);
    if (ref === undefined) return { node: current, path: at };
    current = resolveRef(root, ref);
    if (current === undefined) return { unresolved: ref, path: at };
    at = ref === '#' ? '' : ref.slice(1);
  }
  return { node: current, path: at };
};

/**
 * Every change between two JSON Schemas (draft 2020-12), old → new, each flagged narrows/widens.
 * Local `$ref`s are followed (recursive schemas included: a pair already under comparison is assumed
 * compatible, the greatest fixed point); keywords the checker does not model are compared for
 * equality and otherwise reported as `cannot-prove`.
 *
 * @example
 * diffSchemas({ type: 'number' }, { type: 'integer' });
 * // [{ path: '/type', rule: 'type-narrowed', narrows: true, widens: false, message: 'type narrowed from number to integer' }]
 */
export const diffSchemas = (oldRoot: unknown, newRoot: unknown): SchemaChange[] => {
  const oldDefs = isObject(oldRoot) ? [oldRoot.$defs, oldRoot.definitions] : [];
  const newDefs = isObject(newRoot) ? [newRoot.$defs, newRoot.definitions] : [];
  const defsEqual = sameJson(oldDefs, newDefs);
  const seen = new Set<string>();

  const compare: Compare = (oldNode, newNode, oldPath, newPath) => {
    const o = follow(oldRoot, oldNode, oldPath);
    const n = follow(newRoot, newNode, newPath);
    if ('unresolved' in o || 'unresolved' in n) {
      const ref = 'unresolved' in n ? n.unresolved : 'unresolved' in o ? o.unresolved : '';
      return [
        {
          path: pointer(n.path, '$ref'),
          rule: 'ref-unresolved',
          narrows: true,
          widens: true,
          message: `$ref ${show(ref)} cannot be resolved (only local refs are followed)`,
        },
      ];
    }
    const key = `${o.path}\u0000${n.path}`;
    if (seen.has(key)) return [];
    if (sameJson(o.node, n.node) && (defsEqual || !containsRef(o.node))) return [];
    seen.add(key);
    try {
      return compareNodes(o.node, n.node, o.path, n.path);
    } finally {
      seen.delete(key);
    }
  };

  const compareNodes = (oldNode: unknown, newNode: unknown, oldPath: string, newPath: string) => {
    if (oldNode === false)
      return [
        {
          path: newPath,
          rule: 'schema-opened',
          narrows: false,
          widens: true,
          message: 'schema opened (was false)',
        },
      ] satisfies SchemaChange[];
    if (newNode === false)
      return [
        {
          path: newPath,
          rule: 'schema-closed',
          narrows: true,
          widens: false,
          message: 'schema closed (now false)',
        },
      ] satisfies SchemaChange[];
    const old: SchemaObject = isObject(oldNode) ? oldNode : {};
    const next: SchemaObject = isObject(newNode) ? newNode : {};
    const entangled = ENTANGLED.filter((k) => k in old || k in next);
    if (entangled.length > 0 || Array.isArray(old.items) || Array.isArray(next.items))
      return [
        cannotProve(
          newPath,
          `schema changed where ${entangled.join(', ') || 'items (array form)'} is used; the checker cannot prove compatibility there`,
        ),
      ];
    const out: SchemaChange[] = [];
    for (const rule of [...LEAF_RULES, boundsRule]) out.push(...rule(old, next, newPath));
    out.push(...compareObjects(compare, old, next, oldPath, newPath));
    out.push(...compareArrays(compare, old, next, oldPath, newPath));
    for (const keyword of new Set([...Object.keys(old), ...Object.keys(next)])) {
      if (HANDLED.has(keyword) || ANNOTATIONS.has(keyword)) continue;
      const o = old[keyword];
      const n = next[keyword];
      if (sameJson(o, n) && (defsEqual || !containsRef(o))) continue;
      out.push(
        cannotProve(
          pointer(newPath, keyword),
          `${keyword} changed from ${o === undefined ? 'none' : show(o)} to ${n === undefined ? 'none' : show(n)}; the checker cannot prove compatibility`,
        ),
      );
    }
    return out;
  };

  const all = compare(oldRoot, newRoot, '', '');
  const unique = new Map(all.map((c) => [`${c.path}\u0000${c.rule}\u0000${c.message}`, c]));
  return [...unique.values()];
};
