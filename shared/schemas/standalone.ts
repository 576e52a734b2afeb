import type { ErrorObject } from 'ajv';

/**
 * An error as generated validators report it: Ajv's, without `schemaPath`, which Spine never reports
 * and the generator leaves out (scripts/compact-errors.ts).
 */
export type StandaloneError = Pick<ErrorObject, 'instancePath' | 'keyword' | 'params' | 'message'>;

/** A validator as Ajv's standalone code exports it: the contract of a compiled `ValidateFunction`, errors without `schemaPath`. */
export interface StandaloneValidate {
  (data: unknown): boolean;
  errors?: StandaloneError[] | null;
}

/** What a generated validators module hands over: validators keyed by `type@version` (events) or `service/table` (items), and its hash. */
export interface StandaloneValidators {
  /** `schemasHash` of the catalog the module was generated from. */
  readonly hash: string;
  readonly validators: Readonly<Record<string, StandaloneValidate>>;
}

/**
 * Process-wide, not module-wide: a generated module can reach a second instance of this module (a
 * bundle importing Spine by another specifier; vitest's module runner loading one file under two ids),
 * and the registry must see what any instance was given, and a withdrawal must reach them all.
 */
declare global {
  // `var` is how TypeScript declares a property of globalThis.
  var __spineStandaloneValidators: StandaloneValidators | undefined;
}

/**
 * Called by a generated validators module (see `infra/constructs/spine-bundling.ts`) when the bundle
 * loads, before the entry's own code runs: from then on `createSchemaRegistry` uses these instead of
 * compiling with Ajv. `undefined` withdraws them (a test that loaded a generated module, so later
 * registries in the same process compile with Ajv again). Not for application code.
 */
export const provideStandaloneValidators = (validators: StandaloneValidators | undefined): void => {
  globalThis.__spineStandaloneValidators = validators;
};

/** The validators a generated module provided, if any (none in local mode and in tests). */
export const providedStandaloneValidators = (): StandaloneValidators | undefined =>
  globalThis.__spineStandaloneValidators;

/** Key of one schema in a generated module. */
export const validatorKey = (type: string, version: number): string => `${type}@${version}`;

/** Key of a state table's item schema in a generated module (a `/` never occurs in a type name). */
export const itemValidatorKey = (service: string, table: string): string => `${service}/${table}`;
