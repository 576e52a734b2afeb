/**
 * The esbuild steps both Spine's package build (`scripts/build.ts`) and the tests' compiled local mode
 * (`test/e2e/helpers/compiled-local.ts`) run, so a test of compiled local mode builds it the way the
 * package is built. Importing this module builds nothing.
 */
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');

/**
 * Node code: bundled per entry with code splitting (modules the entries share exist once, in shared
 * chunks), dependencies left as imports resolved from the installing project's node_modules. Flat
 * chunk names: every file sits directly under the output directory, as infra/package-files.ts and
 * local/emulators/kinesis.ts assume for their `import.meta.url`.
 */
export const NODE_BUNDLE = {
  absWorkingDir: ROOT,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Package.json `imports` stay as written, resolved where Spine is installed: the HTTP/1.1-only
  // stand-in reaches the SDK's handler file through one, since bundles alias the package's own name.
  external: ['#smithy/*'],
  logLevel: 'warning',
} as const satisfies BuildOptions;

/**
 * The console's page (`main.js`, `main.css`) into `outdir`, bundled and minified for browsers: an
 * installed Spine serves it from there (console/server/page.ts) without esbuild, a dev dependency, or
 * the page's sources.
 */
export const buildConsolePage = async (outdir: string): Promise<void> => {
  await build({
    entryPoints: [join(ROOT, 'console/page/main.ts')],
    outdir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
  });
};

/** The Kinesis emulator's preload, read by path next to the emulator code (not imported). */
export const KINESIS_PRELOAD = join(ROOT, 'local/emulators/kinesis-preload.cjs');
