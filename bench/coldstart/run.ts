import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { catalog as rootCatalog } from '../../catalog';
import { localEnvironment } from '../../local';
import { catalog as benchCatalog } from '../lib/catalog';
import { runChild } from '../lib/child';
import { median, round } from '../lib/stats';
import { ROOT } from '../local/backbone';

/**
 * Run 4: minified bundle size of each function and its module init time in a fresh Node process.
 * Bundling mirrors `infra/constructs/spine-function.ts` (NodejsFunction: ESM, node22, minified,
 * external source map without sources, every dependency bundled, the `require` banner); keep the two in
 * step. Init time = `await import(bundle)` in a new `node --enable-source-maps` (Lambda's NODE_OPTIONS
 * there), median of `RUNS`, runs interleaved across bundles.
 */
export const RUNS = 20;

interface Fn {
  readonly name: string;
  readonly entry: string;
  readonly design: 'spine' | 'baseline';
  /** Part of the like-for-like pair (same catalog, same one-write handler). */
  readonly pair?: 'consumer' | 'ingress';
}

export interface ColdStartResult {
  readonly name: string;
  readonly entry: string;
  readonly design: Fn['design'];
  readonly pair?: Fn['pair'];
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  /** Measured for the like-for-like pairs only (each run is a process launch; 2 cores). */
  readonly initMsMedian?: number;
}

const functions = (): Fn[] => [
  { name: 'ingress', entry: 'functions/ingress.ts', design: 'spine', pair: 'ingress' },
  ...rootCatalog.services.flatMap((s) => [
    { name: `consumer ${s.name} (example)`, entry: s.entry, design: 'spine' as const },
    ...(s.queries
      ? [{ name: `queries ${s.name} (example)`, entry: s.queries.entry, design: 'spine' as const }]
      : []),
  ]),
  {
    name: 'consumer (bench workload)',
    entry: 'bench/coldstart/spine-entry.ts',
    design: 'spine',
    pair: 'consumer',
  },
  {
    name: 'consumer, Powertools batch+idempotency',
    entry: 'bench/baseline/powertools-entry.ts',
    design: 'baseline',
    pair: 'consumer',
  },
  {
    name: 'ingress, hand-built (zod + PutRecord)',
    entry: 'bench/coldstart/naive-ingress-entry.ts',
    design: 'baseline',
    pair: 'ingress',
  },
];

const bundle = async (fn: Fn, outdir: string, i: number): Promise<string> => {
  const outfile = join(outdir, `fn${i}`, 'index.mjs');
  await build({
    entryPoints: [join(ROOT, fn.entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __spineCreateRequire } from 'node:module'; const require = __spineCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
};

const INIT_SCRIPT =
  'const t0 = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t0));';

export const runColdStart = async (): Promise<ColdStartResult[]> => {
  const outdir = mkdtempSync(join(tmpdir(), 'spine-bench-bundles-'));
  const fns = functions().filter((f, i, all) => all.findIndex((g) => g.entry === f.entry) === i);
  const files = await Promise.all(fns.map((fn, i) => bundle(fn, outdir, i)));
  // Every variable the CDK app would set, for both catalogs, with endpoints nobody calls at init.
  const endpoints = {
    ingress: 'http://127.0.0.1:9',
    kinesis: 'http://127.0.0.1:9',
    dynamodb: 'http://127.0.0.1:9',
  };
  const env = {
    ...process.env,
    ...localEnvironment(rootCatalog, endpoints),
    ...localEnvironment(benchCatalog, endpoints),
    BASELINE_STATE_TABLE: 'baseline-state',
    BASELINE_IDEMPOTENCY_TABLE: 'baseline-idempotency',
    BASELINE_STREAM: 'load',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
  };
  const samples = files.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run += 1)
    for (const [i, file] of files.entries()) {
      if (!fns[i]?.pair) continue;
      const out = await runChild(
        process.execPath,
        ['--enable-source-maps', '--input-type=module', '-e', INIT_SCRIPT, file],
        outdir,
        env,
      );
      samples[i]?.push(Number(out));
    }
  const sizes = files.map((file) => ({ bundle: statSync(file).size, map: statSync(`${file}.map`).size }));
  rmSync(outdir, { recursive: true, force: true });
  return fns.map((fn, i) => {
    return {
      name: fn.name,
      entry: fn.entry,
      design: fn.design,
      ...(fn.pair && { pair: fn.pair }),
      bundleBytes: sizes[i]?.bundle ?? 0,
      sourceMapBytes: sizes[i]?.map ?? 0,
      ...(fn.pair && { initMsMedian: round(median(samples[i] ?? []), 1) }),
    };
  });
};
