import { isObject, type SchemaObject } from './values';

/** Keywords that never reject a value: ignored when comparing, so a reworded description is no change. */
export const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$anchor',
  '$dynamicAnchor',
  '$vocabulary',
  '$comment',
  '$defs',
  'definitions',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
]);

const unescapeSegment = (segment: string): string =>
  decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~');

/** Resolves a local `$ref` (`#` or `#/json/pointer`) against the schema's root; remote refs are not followed. */
export const resolveRef = (root: unknown, ref: string): unknown => {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const segment of ref.slice(2).split('/').map(unescapeSegment)) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
};

/** A node that is only a `$ref` (plus annotations), which can be replaced by its target. */
export const pureRef = (node: SchemaObject): string | undefined =>
  typeof node.$ref === 'string' && Object.keys(node).every((k) => k === '$ref' || ANNOTATIONS.has(k))
    ? node.$ref
    : undefined;
