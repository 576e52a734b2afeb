import { diffSchemas } from './compare';
import type { CompatibilityMode, Incompatibility, SchemaChange, VersionedSchema } from './types';

/** The mode an event type has when the catalog does not state one (Confluent's default too). */
export const DEFAULT_COMPATIBILITY: CompatibilityMode = 'BACKWARD';

const breaks = (mode: CompatibilityMode, change: SchemaChange): boolean => {
  if (mode.startsWith('BACKWARD')) return change.narrows;
  if (mode.startsWith('FORWARD')) return change.widens;
  if (mode.startsWith('FULL')) return change.narrows || change.widens;
  return false;
};

/**
 * Checks a new version against the earlier ones as its mode requires: the latest earlier version, or
 * every earlier version for the `_TRANSITIVE` modes. BACKWARD: data of the earlier version must be
 * valid under the new one; FORWARD: data of the new version must be valid under the earlier one;
 * FULL: both; NONE: nothing. Returns what breaks, empty when the new version is compatible.
 *
 * @example
 * checkVersion('BACKWARD', [{ version: 1, schema: v1 }], { version: 2, schema: v2 });
 */
export const checkVersion = (
  mode: CompatibilityMode,
  earlier: readonly VersionedSchema[],
  next: VersionedSchema,
): Incompatibility[] => {
  if (mode === 'NONE') return [];
  const before = [...earlier].filter((e) => e.version < next.version).sort((a, b) => a.version - b.version);
  const against = mode.endsWith('_TRANSITIVE') ? before : before.slice(-1);
  return against.flatMap((e) =>
    diffSchemas(e.schema, next.schema)
      .filter((change) => breaks(mode, change))
      .map((change) => ({ ...change, mode, from: e.version, to: next.version })),
  );
};
