import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_ALIASES, SPINE_BUNDLING, spineEntry } from '../../infra/constructs/spine-bundling';
import type { Catalog } from '../../shared/catalog';
import type { SchemaRegistryOptions } from '../../shared/schemas';
import { ROOT } from '../local/backbone';

/**
 * How the cold-start bench bundles each design. Spine functions mirror `SpineFunction`'s bundling
 * (keep the two in step); the lean baselines are bundled as CDK's `NodejsFunction` does with no
 * bundling props on Node.js 22: CommonJS, not minified, no source map, `@aws-sdk/*` left out for the
 * runtime's own copy (here node_modules, reached through NODE_PATH as Lambda's /var/runtime is).
 */
export interface Bundled {
  readonly file: string;
  /** Node flags the function runs with on Lambda (NODE_OPTIONS). */
  readonly nodeOptions: readonly string[];
  /** Extra environment the function needs to load (NODE_PATH for the runtime's SDK). */
  readonly env: Readonly<Record<string, string>>;
}

/** `SpineFunction`'s bundling (`SPINE_BUNDLING`) as esbuild options, with the generated entry of a function that validates events (`catalog`, `scope`: its `schemaScope`). */
export const bundleSpine = async (
  entry: string,
  catalog: Catalog | undefined,
  outdir: string,
  scope?: SchemaRegistryOptions,
): Promise<Bundled> => {
  const file = join(outdir, 'index.mjs');
  await build({
    entryPoints: [spineEntry(join(ROOT, entry), ROOT, catalog, scope)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: SPINE_BUNDLING.format,
    target: SPINE_BUNDLING.target,
    minify: SPINE_BUNDLING.minify,
    sourcemap: SPINE_BUNDLING.sourceMap,
    sourcesContent: SPINE_BUNDLING.sourcesContent,
    mainFields: [...SPINE_BUNDLING.mainFields],
    external: [...SPINE_BUNDLING.externalModules],
    alias: { ...BUNDLE_ALIASES },
    absWorkingDir: ROOT,
    banner: { js: SPINE_BUNDLING.banner },
    define: { ...SPINE_BUNDLING.define },
    logLevel: 'error',
  });
  return { file, nodeOptions: [], env: {} };
};

export const bundleNodejsFunctionDefault = async (entry: string, outdir: string): Promise<Bundled> => {
  const file = join(outdir, 'index.js');
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });
  return { file, nodeOptions: [], env: { NODE_PATH: join(ROOT, 'node_modules') } };
};
