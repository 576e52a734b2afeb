import type { ErrorObject } from 'ajv';
import type { Catalog, JsonSchema } from '../catalog';
import { runtimeCompiler } from './compile';
import { SchemaCompileError, StaleValidatorsError } from './errors';
import { schemasHash } from './hash';
import { providedStandaloneValidators, type StandaloneValidate, validatorKey } from './standalone';
import type { SchemaRegistry, SchemaViolation, ValidationResult } from './types';

const OK: ValidationResult = Object.freeze({ ok: true });

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

const expectedOf = (error: ErrorObject): string | undefined => {
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
const toViolation = (error: ErrorObject): SchemaViolation => {
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

const keyOf = (type: string, version: number): string => `${type}\u0000${version}`;

type Compile = (type: string, version: number, schema: JsonSchema) => StandaloneValidate;

// With generated validators, check they were generated from this very catalog, and cover every type
// this function validates, before trusting them.
const standaloneCompile = (catalog: Catalog, inScope: (type: string) => boolean): Compile | undefined => {
  const provided = providedStandaloneValidators();
  if (!provided) return undefined;
  const hash = schemasHash(catalog);
  const missing = catalog.eventTypes
    .filter((e) => inScope(e.type))
    .flatMap((e) =>
      Object.keys(e.versions)
        .map((v) => validatorKey(e.type, Number(v)))
        .filter((key) => !provided.validators[key]),
    );
  if (provided.hash !== hash || missing.length > 0)
    throw new StaleValidatorsError(hash, provided.hash, missing);
  return (type, version) => {
    const validate = provided.validators[validatorKey(type, version)];
    if (!validate) throw new StaleValidatorsError(hash, provided.hash, [validatorKey(type, version)]);
    return validate;
  };
};

const runtimeCompile = (): Compile => {
  const compile = runtimeCompiler();
  return (type, version, schema) => {
    try {
      return compile(schema);
    } catch (cause) {
      throw new SchemaCompileError(type, version, { cause });
    }
  };
};

/** Which of the catalog's event types a registry validates. */
export interface SchemaRegistryOptions {
  /**
   * The event types this function validates (for a service, `serviceEventTypes`): only these get a
   * validator, and generated validators must cover all of them. Data of another type of the catalog
   * fails validation, saying the function does not validate it. @default - every type of the catalog
   */
  readonly types?: readonly string[];
}

/**
 * The catalog's schemas as validators, built once at cold start. In a Lambda bundle they are the
 * standalone validators generated at synth (no Ajv at init), checked against the catalog's schema
 * hash and the types in scope (`StaleValidatorsError` when they differ or lack one); elsewhere (local
 * mode, tests) Ajv compiles them here in strict mode, so a schema with an unknown keyword or a typo
 * fails loudly at start (`SchemaCompileError`). Both use the same Ajv options: validation stops at the
 * first violation.
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
  const inScope = (type: string): boolean => scope === undefined || scope.has(type);
  const compile = standaloneCompile(catalog, inScope) ?? runtimeCompile();
  const compiled = new Map<string, { schema: JsonSchema; validate?: StandaloneValidate }>();
  const latest = new Map<string, number>();

  for (const spec of catalog.eventTypes) {
    for (const [raw, schema] of Object.entries(spec.versions)) {
      const version = Number(raw);
      const validate = inScope(spec.type) ? compile(spec.type, version, schema) : undefined;
      compiled.set(keyOf(spec.type, version), { schema, ...(validate && { validate }) });
      latest.set(spec.type, Math.max(latest.get(spec.type) ?? 0, version));
    }
  }

  return {
    validate(type, version, data) {
      const entry = compiled.get(keyOf(type, version));
      if (!entry) {
        const known = latest.has(type)
          ? `a version of ${type} the catalog declares`
          : 'an event type of the catalog';
        return {
          ok: false,
          errors: [{ path: '', message: `unknown event type ${type} version ${version}`, expected: known }],
        };
      }
      if (!entry.validate) {
        const message = `event type ${type} is not validated by this function: it neither consumes nor writes it`;
        return {
          ok: false,
          errors: [{ path: '', message, expected: 'a type this function consumes or writes' }],
        };
      }
      if (entry.validate(data)) return OK;
      return { ok: false, errors: (entry.validate.errors ?? []).map(toViolation) };
    },
    has: (type, version) => compiled.has(keyOf(type, version)),
    latestVersion: (type) => latest.get(type),
    schema: (type, version) => compiled.get(keyOf(type, version))?.schema,
  };
};
