import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import type * as Ajv2020Module from 'ajv/dist/2020';
import type * as AjvFormatsModule from 'ajv-formats';
import type { JsonSchema } from '../catalog';

/**
 * Ajv's options, shared by compiling at cold start and by generating standalone validators, so both
 * accept, reject and report alike (the differential test checks it). Strict mode: a schema with an
 * unknown keyword or a typo fails loudly instead of silently accepting everything. `allErrors` off:
 * validation stops at the first violation, which keeps the hot path cheap and bounds the error body.
 */
export const AJV_OPTIONS = { strict: true, allErrors: false, validateSchema: true } as const;

/** Something that turns a catalog schema into a validator; throws when the schema does not compile. */
export type SchemaCompiler = (schema: JsonSchema) => ValidateFunction;

// Ajv is loaded through `createRequire`, which esbuild does not follow: Lambda bundles carry
// standalone validators generated at synth and leave Ajv (about 150 KB, a quarter of the ingress's
// init spent creating Ajv2020 and compiling) out. Local mode and tests run from the source tree, where
// node_modules has Ajv, and compile at start. A bundle without generated validators fails here,
// naming the fix.
const load = <T>(name: string): T => {
  try {
    return createRequire(import.meta.url)(name);
  } catch (cause) {
    throw new Error(
      `Ajv (${name}) is not available and no standalone validators were provided: bundle this function through SpineFunction with its catalog (npx cdk synth generates them)`,
      { cause },
    );
  }
};

/** Creates Ajv 2020-12 with the catalog's formats, as the registry and the generator use it. */
export const createAjv = (extra: Record<string, unknown> = {}): Ajv2020Module.Ajv2020 => {
  const { Ajv2020 } = load<typeof Ajv2020Module>('ajv/dist/2020');
  const addFormats = load<typeof AjvFormatsModule>('ajv-formats').default;
  const ajv = new Ajv2020({ ...AJV_OPTIONS, ...extra });
  addFormats(ajv);
  return ajv;
};

/** A compiler over one fresh Ajv instance, for local mode and tests. */
export const runtimeCompiler = (): SchemaCompiler => {
  const ajv = createAjv();
  return (schema) => ajv.compile(schema);
};
