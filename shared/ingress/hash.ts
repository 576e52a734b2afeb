import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted, so the same payload hashes the same whatever key order a client used.
 * Stored claims hold hashes of this text, so its output must never change: a different byte would make
 * every retry across a deploy a conflict (test/unit/ingress-hash.test.ts holds it to the first version).
 * Built by appending to one string, not by mapping and joining arrays per level: it runs over every
 * event with an idempotency key, and the arrays were its main cost.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      // A hole adds nothing between its commas, as `map` then `join` did (JSON.parse makes none).
      if (i in value) out += canonicalJson(value[i] ?? null);
    }
    return `${out}]`;
  }
  // The default sort compares UTF-16 code units, as the first version's `<` comparator did, without
  // calling back into JavaScript per comparison.
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member: unknown = Reflect.get(value, key);
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
};

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');
