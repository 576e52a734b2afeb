import { join } from 'node:path';
import { build } from 'esbuild';
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

const SPINE_BANNER =
  "import { createRequire as __spineCreateRequire } from 'node:module'; const require = __spineCreateRequire(import.meta.url);";

export const bundleSpine = async (entry: string, outdir: string): Promise<Bundled> => {
  const file = join(outdir, 'index.mjs');
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: SPINE_BANNER },
    logLevel: 'error',
  });
  return { file, nodeOptions: ['--enable-source-maps'], env: {} };
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
