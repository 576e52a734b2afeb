import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog';
import { itemValidatorKey } from './standalone';

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
 * SHA-256 of every schema of the catalog, in a canonical order: each event type's versions (type,
 * version, schema) and each state table's item schema (`service/table`, 0, schema). Generated
 * validators carry the hash of the catalog they were generated from; the registry recomputes it at
 * cold start (well under a millisecond for the example catalog) and refuses validators that differ.
 */
export const schemasHash = (catalog: Pick<Catalog, 'eventTypes' | 'services'>): string => {
  const events = catalog.eventTypes.flatMap((e) =>
    Object.entries(e.versions).map(([version, schema]) => [e.type, Number(version), schema]),
  );
  const items = catalog.services.flatMap((s) =>
    s.tables.flatMap((t) => (t.item ? [[itemValidatorKey(s.name, t.name), 0, t.item]] : [])),
  );
  const entries = [...events, ...items].sort((a, b) =>
    `${a[0]}\u0000${a[1]}`.localeCompare(`${b[0]}\u0000${b[1]}`),
  );
  return createHash('sha256')
    .update(JSON.stringify(canonical(entries)))
    .digest('hex');
};
