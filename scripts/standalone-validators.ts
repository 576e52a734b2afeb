import { createRequire } from 'node:module';
import { _ } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import type * as AjvFormats from 'ajv-formats/dist/formats';
import type { Catalog } from '../shared/catalog';
import {
  createAjv,
  ItemSchemaCompileError,
  itemValidatorKey,
  SchemaCompileError,
  type SchemaRegistryOptions,
  schemasHash,
  standaloneFormats,
  validatorKey,
} from '../shared/schemas';
import {
  compactExtraChecks,
  compactObjectChecks,
  compactRequiredChecks,
  compactStringChecks,
} from './compact-checks';
import { compactErrorObjects } from './compact-errors';
import { foldUnchangedErrorCount, inlineSchemaReads, trimUnusedEvaluation } from './trim-standalone';

const formatNames = (schema: unknown, into = new Set<string>()): Set<string> => {
  if (Array.isArray(schema)) for (const item of schema) formatNames(item, into);
  else if (schema && typeof schema === 'object')
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'format' && typeof value === 'string') into.add(value);
      else formatNames(value, into);
    }
  return into;
};

// Ajv inlines regex formats; function formats become `<formats expression>["name"]` in the code. When
// Spine's copy covers every function format the catalog uses, point there: a bundle then carries one
// format instead of ajv-formats' whole CommonJS table (7.5 KB).
const formatsSource = (schemas: readonly unknown[]): 'spine' | 'ajv-formats' => {
  const formats: typeof AjvFormats = createRequire(import.meta.url)('ajv-formats/dist/formats');
  const table: Readonly<Record<string, unknown>> = formats.fullFormats;
  const used = formatNames(schemas);
  const functions = [...used].filter((name) => !(table[name] instanceof RegExp));
  return functions.every((name) => standaloneFormats[name]) ? 'spine' : 'ajv-formats';
};

/**
 * The source of an ES module holding the catalog's validators as Ajv standalone code (compiled now,
 * at synth, with the options the registry compiles with at runtime): of every event type, or of what
 * `scope` names (a service's `serviceSchemaScope`: its event types, ~3.5 KB of bundle each, and its
 * tables' item schemas). The module
 * carries the hash of the whole catalog's schemas; the registry refuses it when that differs or when
 * a type the function validates has no validator in it. Importing it calls
 * `provideStandaloneValidators`, imported from `schemasModule` (a path or specifier of
 * `shared/schemas`), so it must be imported before the entry's code runs: `spineEntry` puts it
 * first. The runtime parts Ajv's code needs (ucs2length, deep equality, formats) stay `require`
 * calls that the function's esbuild bundles; Ajv itself does not.
 */
export const standaloneValidatorsModule = (
  catalog: Catalog,
  schemasModule: string,
  scope: SchemaRegistryOptions = {},
): string => {
  const { types, service } = scope;
  const specs = types ? catalog.eventTypes.filter((spec) => types.includes(spec.type)) : catalog.eventTypes;
  const tables = catalog.services.find((s) => s.name === service)?.tables ?? [];
  const items = tables.flatMap((t) =>
    t.item && service ? [{ key: itemValidatorKey(service, t.name), table: t.name, schema: t.item }] : [],
  );
  // Formats in generated code refer to a table instead of closures over this process.
  const spine =
    formatsSource([...specs.map((spec) => spec.versions), ...items.map((i) => i.schema)]) === 'spine';
  const ajv = createAjv({
    code: {
      source: true,
      esm: true,
      formats: spine ? _`standaloneFormats` : _`require("ajv-formats/dist/formats").fullFormats`,
    },
  });
  const exports: Record<string, string> = {};
  const keys: [string, string][] = [];
  for (const spec of specs)
    for (const [raw, schema] of Object.entries(spec.versions)) {
      const version = Number(raw);
      const name = `v${keys.length}`;
      const id = `spine:${validatorKey(spec.type, version)}`;
      try {
        // A schema object shared by two versions or types would come out twice under one name.
        ajv.addSchema(structuredClone(schema), id);
        ajv.getSchema(id);
      } catch (cause) {
        throw new SchemaCompileError(spec.type, version, { cause });
      }
      exports[name] = id;
      keys.push([validatorKey(spec.type, version), name]);
    }
  for (const item of items) {
    const name = `v${keys.length}`;
    try {
      ajv.addSchema(structuredClone(item.schema), `spine:${item.key}`);
      ajv.getSchema(`spine:${item.key}`);
    } catch (cause) {
      throw new ItemSchemaCompileError(service ?? '', item.table, { cause });
    }
    exports[name] = `spine:${item.key}`;
    keys.push([item.key, name]);
  }
  const table = keys.map(([key, name]) => `  ${JSON.stringify(key)}: ${name},`).join('\n');
  return [
    '// Generated at synth by scripts/standalone-validators.ts from the catalog; do not edit.',
    `import { provideStandaloneValidators${spine ? ', standaloneFormats' : ''} } from ${JSON.stringify(schemasModule)};`,
    compactObjectChecks(
      compactExtraChecks(
        compactRequiredChecks(
          compactStringChecks(
            inlineSchemaReads(
              foldUnchangedErrorCount(
                trimUnusedEvaluation(
                  compactErrorObjects(standaloneCode(ajv, exports).replace(/^"use strict";/, '')).source,
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    `export const hash = ${JSON.stringify(schemasHash(catalog))};`,
    `export const validators = {\n${table}\n};`,
    'provideStandaloneValidators({ hash, validators });',
    '',
  ].join('\n');
};
