import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Catalog, JsonSchema } from '../catalog';
import { SchemaCompileError } from './errors';
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

/**
 * Compiles every schema of the catalog once (cold start) with Ajv in strict mode, so a schema with an
 * unknown keyword or a typo fails loudly at start instead of silently accepting everything.
 * `allErrors` is off: validation stops at the first violation per event, which keeps the hot path cheap
 * (a bad event is rejected whole anyway) and bounds the error body.
 *
 * @example
 * const registry = createSchemaRegistry(catalog);
 * const result = registry.validate('OrderRequested', 1, data);
 * if (!result.ok) console.log(result.errors[0]?.path);
 */
export const createSchemaRegistry = (catalog: Catalog): SchemaRegistry => {
  const ajv = new Ajv2020({ strict: true, allErrors: false, validateSchema: true });
  addFormats(ajv);
  const compiled = new Map<string, { schema: JsonSchema; validate: ValidateFunction }>();
  const latest = new Map<string, number>();

  for (const spec of catalog.eventTypes) {
    for (const [raw, schema] of Object.entries(spec.versions)) {
      const version = Number(raw);
      let validate: ValidateFunction;
      try {
        validate = ajv.compile(schema);
      } catch (cause) {
        throw new SchemaCompileError(spec.type, version, { cause });
      }
      compiled.set(keyOf(spec.type, version), { schema, validate });
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
      if (entry.validate(data)) return OK;
      return { ok: false, errors: (entry.validate.errors ?? []).map(toViolation) };
    },
    has: (type, version) => compiled.has(keyOf(type, version)),
    latestVersion: (type) => latest.get(type),
    schema: (type, version) => compiled.get(keyOf(type, version))?.schema,
  };
};
