import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { buildConsolePage, KINESIS_PRELOAD, NODE_BUNDLE } from '../../../scripts/build-steps';
import type { Catalog } from '../../../shared/catalog';

/** Local mode built to JavaScript, run with plain `node` from `dir` (see `buildLocalMode`). */
export interface CompiledLocalMode {
  /** The working directory to start it in: the built tree mirrors the project's. */
  readonly dir: string;
  /** `node` arguments that start local mode (`local/main.js`). */
  readonly args: readonly string[];
  remove(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * Builds local mode, the catalog and every entry it loads (ingress, service and query handlers) with
 * esbuild into one tree under `test-results/` (inside the repo, so bare imports resolve from its
 * node_modules), for tests that restart local mode many times. Why: under `node --import tsx`, every
 * start routes each of its ~940 modules (537 of them typebox's) through tsx's loader thread: measured
 * on quiet cores, 7.7 s of CPU from launch to a stop, against 4-5 s compiled; on a shared 2-core
 * machine that CPU is most of a restart's wall time. Each `.ts` entry the catalog names is a symlink to
 * its compiled `.js`, so local mode loads the same paths unchanged (Node picks the format from the
 * link's target). The same sources run; only the loader differs, and `npm start` itself (tsx) keeps
 * its own tests (local-signals, walking-skeleton). Build: about 1.5 s.
 *
 * `project` swaps in another catalog module (start local mode with its path in `SPINE_CATALOG`) and the
 * ingress entry built for it, which the tree serves as `functions/ingress.ts`, the path local mode loads.
 */
export const buildLocalMode = async (
  project: { catalog: string; ingress: string } = { catalog: 'catalog.ts', ingress: 'functions/ingress.ts' },
): Promise<CompiledLocalMode> => {
  const catalogPath = project.catalog;
  const module: { catalog?: Catalog } = await import(join(ROOT, catalogPath));
  const catalog = module.catalog;
  if (!catalog) throw new Error(`${catalogPath} has no \`catalog\` export`);
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const dir = await mkdtemp(join(ROOT, 'test-results', 'local-build-'));
  const entries = [
    catalogPath,
    ...catalog.services.flatMap((s) => [s.entry, ...(s.queries ? [s.queries.entry] : [])]),
  ];
  await build({
    ...NODE_BUNDLE,
    entryPoints: [
      'local/main.ts',
      // Kinesis lite's process entry, spawned by path next to the code that starts it: local/main.js
      // or a chunk in `dir` (local/emulators/kinesis-lite-process.ts), so it goes to both places.
      ...['kinesis-lite', 'local/kinesis-lite'].map((out) => ({
        in: 'local/emulators/kinesis-lite/main.ts',
        out,
      })),
      { in: project.ingress, out: 'functions/ingress' },
      ...[...new Set(entries)].map((entry) => ({ in: entry, out: entry.replace(/\.ts$/, '') })),
    ],
    outbase: ROOT,
    outdir: dir,
  });
  for (const entry of new Set([...entries, 'functions/ingress.ts'])) {
    const compiled = join(dir, entry.replace(/\.ts$/, '.js'));
    symlinkSync(basename(compiled), join(dirname(compiled), basename(entry)));
  }
  // Files local mode reads next to its own code: in the bundle that is local/main.js or a chunk in
  // `dir`, so each goes to both places (the page bundled as scripts/build.ts does for the package).
  const page = join(dir, 'console-page');
  await buildConsolePage(page);
  mkdirSync(join(dir, 'local', 'console-page'), { recursive: true });
  for (const file of ['main.js', 'main.css'])
    copyFileSync(join(page, file), join(dir, 'local', 'console-page', file));
  for (const target of [dir, join(dir, 'local')])
    copyFileSync(KINESIS_PRELOAD, join(target, 'kinesis-preload.cjs'));
  return {
    dir,
    args: [join(dir, 'local', 'main.js')],
    remove: () => rm(dir, { recursive: true, force: true }),
  };
};
