import type { CompatibilityMode } from '../catalog';

export type { CompatibilityMode };

/**
 * Stable names of the rules the checker applies. A change *narrows* when some value valid under the
 * old schema may be invalid under the new one (breaks BACKWARD), and *widens* when some value valid
 * under the new schema may be invalid under the old one (breaks FORWARD).
 */
export type RuleName =
  | 'type-narrowed'
  | 'type-widened'
  | 'type-changed'
  | 'required-added'
  | 'required-removed'
  | 'property-added'
  | 'property-removed'
  | 'additional-properties-closed'
  | 'additional-properties-opened'
  | 'enum-added'
  | 'enum-removed'
  | 'enum-value-added'
  | 'enum-value-removed'
  | 'const-added'
  | 'const-removed'
  | 'const-changed'
  | 'bound-tightened'
  | 'bound-relaxed'
  | 'pattern-added'
  | 'pattern-removed'
  | 'pattern-changed'
  | 'format-added'
  | 'format-removed'
  | 'format-changed'
  | 'unique-items-added'
  | 'unique-items-removed'
  | 'multiple-of-changed'
  | 'schema-closed'
  | 'schema-opened'
  | 'ref-unresolved'
  | 'cannot-prove';

/** One difference between two versions of a schema, old → new. */
export interface SchemaChange {
  /** JSON Pointer into the new schema (where the old keyword was, when the new one has none). */
  readonly path: string;
  readonly rule: RuleName;
  /** Old data may fail the new schema: breaks BACKWARD. */
  readonly narrows: boolean;
  /** New data may fail the old schema: breaks FORWARD. */
  readonly widens: boolean;
  /** Says what changed, old → new, e.g. `type narrowed from number to integer`. */
  readonly message: string;
}

/** A change that breaks the mode of its event type, between two named versions. */
export interface Incompatibility extends SchemaChange {
  readonly mode: CompatibilityMode;
  readonly from: number;
  readonly to: number;
}

/** One version of an event type's schema. */
export interface VersionedSchema {
  readonly version: number;
  readonly schema: unknown;
}
