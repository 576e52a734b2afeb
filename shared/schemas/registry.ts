import type { Catalog, JsonSchema } from '../catalog';
import { runtimeCompiler } from './compile';
import { ItemSchemaCompileError, SchemaCompileError, StaleValidatorsError } from './errors';
import { schemasHash } from './hash';
import {
  itemValidatorKey,
  providedStandaloneValidators,
  type StandaloneError,
  type StandaloneValidate,
  validatorKey,
} from './standalone';
import type { SchemaRegistry, SchemaViolation, ValidationResult } from './types';

const OK: ValidationResult = Object.freeze({ ok: true });

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

const expectedOf = (error: StandaloneError): string | undefined => {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return String(p.type);
    case 'required':
      return 'present';
    case 'additionalProperties':
      return 'no such property';
    case 'enum':
      return Array.isArray(p.allowedValues) ? `one of ${JSON.stringify(p.allowedValues)}` : undefined;
    case 'const':
      return JSON.stringify(p.allowedValue);
    case 'pattern':
      return `a string matching ${String(p.pattern)}`;
    case 'format':
      return `format ${String(p.format)}`;
    default:
      return typeof p.limit === 'number' ? `${error.keyword} ${p.limit}` : undefined;
  }
};

/** Points `required`/`additionalProperties` errors at the property itself, not at its parent object. */
const toViolation = (error: StandaloneError): SchemaViolation => {
  const p = error.params as Record<string, unknown>;
  const child =
    error.keyword === 'required'
      ? p.missingProperty
      : error.keyword === 'additionalProperties'
        ? p.additionalProperty
        : undefined;
  const path =
    typeof child === 'string' ? `${error.instancePath}/${escapePointer(child)}` : error.instancePath;
  const expected = expectedOf(error);
  return {
    path,
    message: error.message ?? `fails ${error.keyword}`,
    ...(expected === undefined ? {} : { expected }),
  };
};

/** A schema to validate with: its key in a generated module, and the error it fails with when it does not compile. */
interface Wanted {
  readonly key: string;
  readonly schema: JsonSchema;
  readonly failure: (cause: unknown) => Error;
}

type Compile = (wanted: Wanted) => StandaloneValidate;

// With generated validators, check they were generated from this very catalog, and cover every schema
// this function validates, before trusting them.
const standaloneCompile = (catalog: Catalog, wanted: readonly Wanted[]): Compile | undefined => {
  const provided = providedStandaloneValidators();
  if (!provided) return undefined;
  const hash = schemasHash(catalog);
  const missing = wanted.map((w) => w.key).filter((key) => !provided.validators[key]);
  if (provided.hash !== hash || missing.length > 0)
    throw new StaleValidatorsError(hash, provided.hash, missing);
  return ({ key }) => {
    const validate = provided.validators[key];
    if (!validate) throw new StaleValidatorsError(hash, provided.hash, [key]);
    return validate;
  };
};

const runtimeCompile = (): Compile => {
  const compile = runtimeCompiler();
  return ({ schema, failure }) => {
    try {
      return compile(schema);
    } catch (cause) {
      throw failure(cause);
    }
  };
};

/** Which of the catalog's schemas a registry validates. */
export interface SchemaRegistryOptions {
  /**
   * The event types this function validates (for a service, `serviceEventTypes`): only these get a
   * validator, and generated validators must cover all of them. Data of another type of the catalog
   * fails validation, saying the function does not validate it. @default - every type of the catalog
   */
  readonly types?: readonly string[];
  /**
   * The service whose state tables' item schemas (`TableSpec.item`) `validateItem` checks. @default -
   * none: `validateItem` fails for every table
   */
  readonly service?: string;
}

const fail = (path: string, message: string, expected: string): ValidationResult => ({
  ok: false,
  errors: [{ path, message, expected }],
});

const run = (validate: StandaloneValidate, data: unknown): ValidationResult =>
  validate(data) ? OK : { ok: false, errors: (validate.errors ?? []).map(toViolation) };

/**
 * The catalog's schemas as validators, built once at cold start: event data per type and version, and
 * the item schemas of one service's tables. In a Lambda bundle they are the standalone validators
 * generated at synth (no Ajv at init), checked against the catalog's schema hash and the schemas in
 * scope (`StaleValidatorsError` when they differ or lack one); elsewhere (local mode, tests) Ajv
 * compiles them here in strict mode, so a schema with an unknown keyword or a typo fails loudly at
 * start (`SchemaCompileError`). Both use the same Ajv options: validation stops at the first violation.
 *
 * @example
 * const registry = createSchemaRegistry(catalog);
 * const result = registry.validate('OrderRequested', 1, data);
 * if (!result.ok) console.log(result.errors[0]?.path);
 */
export const createSchemaRegistry = (
  catalog: Catalog,
  options: SchemaRegistryOptions = {},
): SchemaRegistry => {
  const scope = options.types && new Set(options.types);
  const versions = catalog.eventTypes.flatMap((spec) =>
    Object.entries(spec.versions).map(([raw, schema]) => ({ spec, version: Number(raw), schema })),
  );
  const wantedEvents = versions
    .filter(({ spec }) => scope === undefined || scope.has(spec.type))
    .map(({ spec, version, schema }) => ({
      key: validatorKey(spec.type, version),
      schema,
      failure: (cause: unknown) => new SchemaCompileError(spec.type, version, { cause }),
    }));
  const service = options.service;
  const tables = (service && catalog.services.find((s) => s.name === service)?.tables) || [];
  const wantedItems = tables.flatMap(({ name, item }) =>
    item && service
      ? [
          {
            key: itemValidatorKey(service, name),
            schema: item,
            failure: (cause: unknown) => new ItemSchemaCompileError(service, name, { cause }),
          },
        ]
      : [],
  );
  const compile = standaloneCompile(catalog, [...wantedEvents, ...wantedItems]) ?? runtimeCompile();
  const validators = new Map([...wantedEvents, ...wantedItems].map((w) => [w.key, compile(w)]));
  const schemas = new Map(
    versions.map(({ spec, version, schema }) => [validatorKey(spec.type, version), schema]),
  );
  const latest = new Map<string, number>();
  for (const { spec, version } of versions)
    latest.set(spec.type, Math.max(latest.get(spec.type) ?? 0, version));

  return {
    validate(type, version, data) {
      const key = validatorKey(type, version);
      if (!schemas.has(key)) {
        const known = latest.has(type)
          ? `a version of ${type} the catalog declares`
          : 'an event type of the catalog';
        return fail('', `unknown event type ${type} version ${version}`, known);
      }
      const validate = validators.get(key);
      if (!validate)
        return fail(
          '',
          `event type ${type} is not validated by this function: it neither consumes nor writes it`,
          'a type this function consumes or writes',
        );
      return run(validate, data);
    },
    validateItem(owner, table, item) {
      const validate = owner === service ? validators.get(itemValidatorKey(owner, table)) : undefined;
      if (!validate)
        return fail(
          '',
          `table ${owner}/${table} has no item schema this function checks`,
          `a table of service ${service ?? '(none)'} with an item schema in the catalog`,
        );
      return run(validate, item);
    },
    has: (type, version) => schemas.has(validatorKey(type, version)),
    validates: (type, version) => validators.has(validatorKey(type, version)),
    latestVersion: (type) => latest.get(type),
    schema: (type, version) => schemas.get(validatorKey(type, version)),
  };
};
