/**
 * `npm run build` (run by `prepack`): Spine as the package a project installs, in `dist/`.
 *
 * JavaScript: esbuild bundles the public entries with code splitting, so modules the entries share
 * (the schema registry, the consumer runtime) exist once, in shared chunks, and a Lambda bundle that
 * imports two entries still gets one registry. Dependencies stay imports (`packages: 'external'`),
 * resolved from the installing project's node_modules. Plain `tsc` emit would not run: the sources
 * use extensionless relative imports (moduleResolution Bundler), which Node's ESM loader refuses.
 *
 * Types: `tsc --emitDeclarationOnly` with `tsconfig.build.json`, into `dist/types/` mirroring the
 * source tree. Its extensionless relative imports resolve for a project on moduleResolution Bundler
 * (what `spine init` writes).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildConsolePage, KINESIS_PRELOAD, NODE_BUNDLE } from './build-steps';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');

/** Output name (`dist/<name>.js`) to source. The public ones are `exports` in package.json. */
export const ENTRIES = {
  index: 'index.ts',
  catalog: 'shared/catalog/index.ts',
  consumer: 'shared/consumer/index.ts',
  ingress: 'functions/create-ingress-handler.ts',
  infra: 'infra/index.ts',
  local: 'local/index.ts',
  testing: 'shared/testing/index.ts',
  cli: 'cli/main.ts',
  'local-main': 'local/main.ts',
  // Spawned by path next to dist/local.js (local/emulators/kinesis-lite-process.ts).
  'kinesis-lite': 'local/emulators/kinesis-lite/main.ts',
  // Imported by path from the entries `spineEntry` generates at synth (infra/package-files.ts).
  'internal-schemas': 'shared/schemas/index.ts',
  'internal-stack-traces': 'shared/stack-traces/index.ts',
  'internal-env-credentials': 'shared/aws/env-credentials.ts',
  'internal-no-event-streams': 'shared/aws/no-event-streams.ts',
  'internal-node-sha256': 'shared/aws/node-sha256.ts',
  'internal-no-endpoint-discovery': 'shared/aws/no-endpoint-discovery.ts',
  'internal-http1-only': 'shared/aws/http1-only.ts',
} as const;

const started = Date.now();
rmSync(DIST, { recursive: true, force: true });
await build({
  ...NODE_BUNDLE,
  entryPoints: Object.entries(ENTRIES).map(([out, source]) => ({ in: source, out })),
  outdir: DIST,
  sourcemap: true,
});
await buildConsolePage(join(DIST, 'console-page'));
// Read by path next to the emulator code, not imported.
copyFileSync(KINESIS_PRELOAD, join(DIST, 'kinesis-preload.cjs'));
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
// stderr: `npm pack --json` runs this in prepack, and its stdout is the JSON report.
console.error(`built dist/ in ${Date.now() - started} ms`);
