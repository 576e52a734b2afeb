import type { Catalog, EventTypeSpec } from '../catalog';
import { LOCK_FILE, type LockedType, type SchemaLock, schemaHash } from './lock';
import { checkVersion, DEFAULT_COMPATIBILITY } from './modes';
import type { VersionedSchema } from './types';

/** Why `spine schema check` fails: one line each, in the style of a compiler error. */
export interface LockProblem {
  readonly type: string;
  readonly kind: 'type-removed' | 'version-removed' | 'version-edited' | 'version-inserted' | 'incompatible';
  /** `OrderRequested v2 → v3 (BACKWARD): /properties/amount/type: type narrowed from number to integer` */
  readonly message: string;
}

const sortedVersions = (versions: object): number[] =>
  Object.keys(versions)
    .map(Number)
    .sort((a, b) => a - b);

const lockedProblems = (spec: EventTypeSpec | undefined, type: string, locked: LockedType): LockProblem[] => {
  if (!spec)
    return [{ type, kind: 'type-removed', message: `${type}: locked event type removed from the catalog` }];
  return sortedVersions(locked.versions).flatMap((v): LockProblem[] => {
    const lockedVersion = locked.versions[String(v)];
    const schema = spec.versions[v];
    if (schema === undefined)
      return [
        { type, kind: 'version-removed', message: `${type} v${v}: locked version removed from the catalog` },
      ];
    const hash = schemaHash(schema);
    if (lockedVersion && hash !== lockedVersion.sha256)
      return [
        {
          type,
          kind: 'version-edited',
          message: `${type} v${v}: locked version edited (sha256 ${lockedVersion.sha256.slice(0, 12)} → ${hash.slice(0, 12)}); publish the change as v${Math.max(...sortedVersions(spec.versions)) + 1} instead`,
        },
      ];
    return [];
  });
};

const newVersionProblems = (spec: EventTypeSpec, locked: LockedType | undefined): LockProblem[] => {
  const mode = spec.compatibility ?? DEFAULT_COMPATIBILITY;
  const lockedVersions = locked ? sortedVersions(locked.versions) : [];
  const topLocked = Math.max(0, ...lockedVersions);
  // Earlier versions as they were locked: an edited one is reported on its own and judged as published.
  const asPublished = (v: number): VersionedSchema => ({
    version: v,
    schema: locked?.versions[String(v)]?.schema ?? spec.versions[v],
  });
  const all = sortedVersions(spec.versions);
  return all
    .filter((v) => !lockedVersions.includes(v))
    .flatMap((v): LockProblem[] => {
      if (v < topLocked)
        return [
          {
            type: spec.type,
            kind: 'version-inserted',
            message: `${spec.type} v${v}: new version below the locked v${topLocked}; new versions go on top`,
          },
        ];
      const earlier = all.filter((e) => e < v).map(asPublished);
      return checkVersion(mode, earlier, { version: v, schema: spec.versions[v] }).map((f) => ({
        type: spec.type,
        kind: 'incompatible',
        message: `${spec.type} v${f.from} → v${f.to} (${f.mode}): ${f.path || '/'}: ${f.message}`,
      }));
    });
};

/**
 * Everything `spine schema check` refuses: a locked type or version removed or edited, a new version
 * inserted below a locked one, or a new version that breaks its type's compatibility mode against the
 * earlier versions as they were locked.
 */
export const checkLock = (catalog: Catalog, lock: SchemaLock): LockProblem[] => [
  ...Object.entries(lock.eventTypes).flatMap(([type, locked]) =>
    lockedProblems(
      catalog.eventTypes.find((e) => e.type === type),
      type,
      locked,
    ),
  ),
  ...catalog.eventTypes.flatMap((spec) => newVersionProblems(spec, lock.eventTypes[spec.type])),
];

/** `schemas.lock.json: <problem>`, the line the CLI prints. */
export const formatLockProblem = (problem: LockProblem, file = LOCK_FILE): string =>
  `${file}: ${problem.message}`;
