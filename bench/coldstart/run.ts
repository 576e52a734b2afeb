import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalog as rootCatalog } from '../../catalog';
import { localEnvironment } from '../../local';
import type { Catalog } from '../../shared/catalog';
import { type SchemaRegistryOptions, serviceSchemaScope } from '../../shared/schemas';
import { catalog as benchCatalog } from '../lib/catalog';
import { runChild } from '../lib/child';
import { median, round } from '../lib/stats';
import { type Bundled, bundleNodejsFunctionDefault, bundleSpine } from './bundles';

/**
 * Run 4: bundle size of each function and its module init in a fresh Node process, against lean
 * baselines measured in the same run: a Powertools batch + idempotency consumer with one PutItem and a
 * zod + PutRecord ingress, with nothing of Spine, bundled as `NodejsFunction` does by default.
 * Init = `await import(bundle)` with the function's NODE_OPTIONS, wall time and CPU time
 * (`process.cpuUsage`, user + system: less sensitive to other processes on a shared machine), median of
 * `RUNS`, runs interleaved across bundles so load drifts hit every design alike.
 */
export const RUNS = 20;

interface Fn {
  readonly name: string;
  readonly entry: string;
  readonly design: 'spine' | 'baseline';
  /** Functions that validate events: the catalog their entry imports (validators are generated from it). */
  readonly catalog?: Catalog;
  /** Consumers: what they validate (`serviceSchemaScope`), as `SpineFunction` bundles them. */
  readonly scope?: SchemaRegistryOptions;
  /** Which lean baseline the function's init is compared with; none: size only. */
  readonly pair?: 'consumer' | 'ingress';
}

export interface ColdStartResult {
  readonly name: string;
  readonly entry: string;
  readonly design: Fn['design'];
  readonly pair?: Fn['pair'];
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  /** Wall time of the import, median. */
  readonly initMsMedian?: number;
  /** CPU time (user + system) of the import, median. */
  readonly initCpuMsMedian?: number;
  /** Spine functions: init over the paired lean baseline's in this run (wall, CPU). */
  readonly ratioWall?: number;
  readonly ratioCpu?: number;
}

const functions = (): Fn[] => [
  { name: 'ingress', entry: 'functions/ingress.ts', design: 'spine', catalog: rootCatalog, pair: 'ingress' },
  ...rootCatalog.services.flatMap((s) => [
    {
      name: `consumer ${s.name} (example)`,
      entry: s.entry,
      design: 'spine' as const,
      catalog: rootCatalog,
      scope: serviceSchemaScope(rootCatalog, s.name),
      pair: 'consumer' as const,
    },
    ...(s.queries
      ? [
          {
            name: `queries ${s.name} (example)`,
            entry: s.queries.entry,
            design: 'spine' as const,
          },
        ]
      : []),
  ]),
  {
    name: 'consumer (bench workload)',
    entry: 'bench/coldstart/spine-entry.ts',
    design: 'spine',
    catalog: benchCatalog,
    scope: serviceSchemaScope(benchCatalog, 'orders'),
    pair: 'consumer',
  },
  {
    name: 'lean consumer: Powertools batch + idempotency, one PutItem',
    entry: 'bench/baseline/lean-consumer-entry.ts',
    design: 'baseline',
    pair: 'consumer',
  },
  {
    name: 'lean ingress: zod + PutRecord',
    entry: 'bench/coldstart/naive-ingress-entry.ts',
    design: 'baseline',
    pair: 'ingress',
  },
];

const INIT_SCRIPT = [
  'const c0 = process.cpuUsage(); const t0 = performance.now();',
  "const { pathToFileURL } = await import('node:url'); await import(pathToFileURL(process.argv[1]).href);",
  'const t = performance.now() - t0; const c = process.cpuUsage(c0);',
  'process.stdout.write(JSON.stringify({ wall: t, cpu: (c.user + c.system) / 1000 }));',
].join(' ');

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

export const runColdStart = async (runs = RUNS): Promise<ColdStartResult[]> => {
  const outdir = mkdtempSync(join(tmpdir(), 'spine-bench-bundles-'));
  const fns = functions().filter((f, i, all) => all.findIndex((g) => g.entry === f.entry) === i);
  const bundles: Bundled[] = await Promise.all(
    fns.map((fn, i) => {
      const dir = join(outdir, `fn${i}`);
      mkdirSync(dir, { recursive: true });
      return fn.design === 'spine'
        ? bundleSpine(fn.entry, fn.catalog, dir, fn.scope)
        : bundleNodejsFunctionDefault(fn.entry, dir);
    }),
  );
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
    AWS_REGION: 'eu-west-1',
  };
  const wall = bundles.map(() => [] as number[]);
  const cpu = bundles.map(() => [] as number[]);
  for (let run = 0; run < runs; run += 1)
    for (const [i, b] of bundles.entries()) {
      if (!fns[i]?.pair) continue;
      const out = await runChild(
        process.execPath,
        [...b.nodeOptions, '--input-type=module', '-e', INIT_SCRIPT, b.file],
        outdir,
        { ...env, ...b.env },
      );
      const sample: { wall: number; cpu: number } = JSON.parse(out);
      wall[i]?.push(sample.wall);
      cpu[i]?.push(sample.cpu);
    }
  const sizes = bundles.map((b) => ({ bundle: sizeOf(b.file), map: sizeOf(`${b.file}.map`) }));
  rmSync(outdir, { recursive: true, force: true });
  const medians = fns.map((_, i) => ({ wall: median(wall[i] ?? []), cpu: median(cpu[i] ?? []) }));
  const baselineOf = (pair: Fn['pair']) =>
    medians[fns.findIndex((f) => f.design === 'baseline' && f.pair === pair)];
  return fns.map((fn, i) => {
    const m = medians[i];
    const base = fn.design === 'spine' && fn.pair ? baselineOf(fn.pair) : undefined;
    return {
      name: fn.name,
      entry: fn.entry,
      design: fn.design,
      ...(fn.pair && { pair: fn.pair }),
      bundleBytes: sizes[i]?.bundle ?? 0,
      sourceMapBytes: sizes[i]?.map ?? 0,
      ...(fn.pair && m && { initMsMedian: round(m.wall, 1), initCpuMsMedian: round(m.cpu, 1) }),
      ...(m && base && { ratioWall: round(m.wall / base.wall, 2), ratioCpu: round(m.cpu / base.cpu, 2) }),
    };
  });
};
