import type { JsonSchema } from '../catalog';

/** One reason data failed its schema. */
export interface SchemaViolation {
  /** JSON pointer into the validated data; `''` is the root. */
  readonly path: string;
  readonly message: string;
  /** What the schema expected there, when it can be said briefly (a type, a pattern, a limit). */
  readonly expected?: string;
}

export type ValidationResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly errors: SchemaViolation[] };

/** The catalog's schemas, compiled once. Shared by the ingress and the consumer runtime. */
export interface SchemaRegistry {
  /** Checks `data` against the schema of `type` at `version`; an unknown type/version is a failure at `''`. */
  validate(type: string, version: number, data: unknown): ValidationResult;
  /**
   * Checks a stored item of `service`'s `table` against the table's item schema (`TableSpec.item`);
   * fails at `''` for a table without one, or of another service than the registry's.
   */
  validateItem(service: string, table: string, item: unknown): ValidationResult;
  has(type: string, version: number): boolean;
  /** True when this registry validates `type`/`version` (in its scope, `SchemaRegistryOptions.types`). */
  validates(type: string, version: number): boolean;
  latestVersion(type: string): number | undefined;
  /** The catalog's schema as declared (not the compiled form). */
  schema(type: string, version: number): JsonSchema | undefined;
}
