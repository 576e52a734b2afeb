import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog';

// Key order of a schema object is not meaning: sort it so that reformatting a schema does not look stale.
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
};

/**
 * SHA-256 of every schema of the catalog (type, version, schema), in a canonical order. Generated
 * validators carry the hash of the catalog they were generated from; the registry recomputes it at
 * cold start (well under a millisecond for the example catalog) and refuses validators that differ.
 */
export const schemasHash = (catalog: Pick<Catalog, 'eventTypes'>): string => {
  const entries = catalog.eventTypes
    .flatMap((e) => Object.entries(e.versions).map(([version, schema]) => [e.type, Number(version), schema]))
    .sort((a, b) => `${a[0]}\u0000${a[1]}`.localeCompare(`${b[0]}\u0000${b[1]}`));
  return createHash('sha256')
    .update(JSON.stringify(canonical(entries)))
    .digest('hex');
};
