import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Catalog, COMPATIBILITY_MODES } from '../catalog';
import { EvolutionError } from './errors';
import type { CompatibilityMode } from './types';
import { canonicalJson } from './values';

/** The lock's file name, at the project root next to `catalog.ts`. */
export const LOCK_FILE = 'schemas.lock.json';

/** One published version as locked: its schema in canonical form (sorted keys) and that form's sha256. */
export interface LockedVersion {
  readonly sha256: string;
  readonly schema: unknown;
}

export interface LockedType {
  readonly compatibility: CompatibilityMode;
  readonly versions: { readonly [version: string]: LockedVersion };
}

/** `schemas.lock.json`: every event type's published versions, so an edit to one cannot pass unseen. */
export interface SchemaLock {
  readonly lockVersion: 1;
  readonly eventTypes: { readonly [type: string]: LockedType };
}

// Built on first use, not at module load: the consumer runtime imports this module's package for
// `upcast`, and a module-level zod call would keep zod classic (~440 KB) in every consumer bundle.
const lockShape = () =>
  z.strictObject({
    lockVersion: z.literal(1),
    eventTypes: z.record(
      z.string(),
      z.strictObject({
        compatibility: z.enum(COMPATIBILITY_MODES),
        versions: z.record(
          z.string().regex(/^[1-9][0-9]*$/),
          z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), schema: z.unknown() }),
        ),
      }),
    ),
  });

/** sha256 of the canonical JSON text: key order and whitespace do not change it, any value does. */
export const schemaHash = (schema: unknown): string =>
  createHash('sha256').update(canonicalJson(schema)).digest('hex');

const versionsOf = (spec: { readonly versions: object }): number[] =>
  Object.keys(spec.versions)
    .map(Number)
    .sort((a, b) => a - b);

/** The lock the catalog would have now, every type and version included. */
export const lockCatalog = (catalog: Catalog): SchemaLock => ({
  lockVersion: 1,
  eventTypes: Object.fromEntries(
    [...catalog.eventTypes]
      .sort((a, b) => a.type.localeCompare(b.type))
      .map((spec) => [
        spec.type,
        {
          compatibility: spec.compatibility ?? 'BACKWARD',
          versions: Object.fromEntries(
            versionsOf(spec).map((v) => {
              const schema: unknown = JSON.parse(canonicalJson(spec.versions[v]));
              return [String(v), { sha256: schemaHash(schema), schema }];
            }),
          ),
        },
      ]),
  ),
});

/** The file's text: keys sorted at every depth, two-space indent, a final newline. */
export const renderLock = (lock: SchemaLock): string =>
  `${JSON.stringify(JSON.parse(canonicalJson(lock)), null, 2)}\n`;

/** Reads a lock file's text; throws `EvolutionError` (LOCK_INVALID) naming what is wrong. */
export const parseLock = (text: string): SchemaLock => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new EvolutionError('LOCK_INVALID', `${LOCK_FILE} is not JSON`, { cause });
  }
  const parsed = lockShape().safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EvolutionError(
      'LOCK_INVALID',
      `${LOCK_FILE} is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error },
    );
  }
  return { lockVersion: 1, eventTypes: parsed.data.eventTypes };
};
