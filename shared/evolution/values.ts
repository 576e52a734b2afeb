/** Plain-JSON helpers: canonical text (sorted keys), equality and the JSON type of a value. */

export type SchemaObject = { readonly [keyword: string]: unknown };

export const isObject = (value: unknown): value is SchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON text with object keys sorted at every depth: equal schemas give equal text. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
};

export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** JSON Schema type of a value; whole numbers are `integer` (also members of `number`). */
export const jsonTypeOf = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

/** Whether any `$ref` occurs inside a value (its meaning then depends on the root's `$defs`). */
export const containsRef = (value: unknown): boolean => {
  if (Array.isArray(value)) return value.some(containsRef);
  if (!isObject(value)) return false;
  return Object.entries(value).some(([k, v]) => k === '$ref' || containsRef(v));
};

const escapeSegment = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** Appends segments to a JSON Pointer. */
export const pointer = (base: string, ...segments: (string | number)[]): string =>
  segments.reduce<string>((p, s) => `${p}/${escapeSegment(String(s))}`, base);

/** Short JSON for messages. */
export const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
