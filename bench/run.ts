import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import { runColdStart } from './coldstart/run';
import { costModel, loadPrices, REFERENCE } from './cost/model';
import { runAnalytics } from './exactly-once/analytics';
import { runExactlyOnce } from './exactly-once/run';
import { runIngressCpu } from './ingress/cpu';
import { probeDedupe, runIngressHttp } from './ingress/http';
import { withBenchCa } from './ingress/wire';
import { itemSize } from './lib/item-size';
import { round } from './lib/stats';
import { orderData, recordSize, stateItem } from './lib/workload';
import { ROOT, startBenchBackbone } from './local/backbone';
import { runLatency } from './local/latency';
import { rareTable } from './rare/print';
import { runRarePaths, writeRareResults } from './rare/run';
import { printReport } from './report/print';
import { latencySvg } from './report/svg';
import { targets } from './report/targets';

/**
 * `npm run bench`: every figure of issue 7 in one run on this machine, printed as tables and written
 * to `bench/results/report.json` (+ `latency.svg`). Not a test: nothing here asserts on timing.
 */
// `npm run bench -- --only coldstart`: run 4 alone, with its own table (bench/coldstart/only.ts).
if (process.argv.slice(2).join(' ') === '--only coldstart') {
  await import('./coldstart/only');
  process.exit(0);
}
// Run 2a's clients reach a local TLS server (bench/ingress/wire.ts): trust its certificate first.
withBenchCa();
const started = performance.now();
const step = (name: string) =>
  console.error(`[bench] ${name} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
const results = join(ROOT, 'bench/results');
mkdirSync(results, { recursive: true });
const load = { start: loadavg().map((n) => round(n, 2)) };

step('2a ingress CPU, in process');
const ingressCpu = await runIngressCpu();
step('4 cold start: bundles and init times');
const coldStart = await runColdStart();

step('local mode without consumers: starting emulators');
let exactlyOnce: Awaited<ReturnType<typeof runExactlyOnce>>;
let analytics: Awaited<ReturnType<typeof runAnalytics>>;
let dedupe: Awaited<ReturnType<typeof probeDedupe>>;
let ingressHttp: Awaited<ReturnType<typeof runIngressHttp>>;
let latency: Awaited<ReturnType<typeof runLatency>>;
let rarePaths: Awaited<ReturnType<typeof runRarePaths>>;
const quiet = await startBenchBackbone({ withConsumer: false });
try {
  step('1 exactly-once cost on DynamoDB Local');
  exactlyOnce = await runExactlyOnce(quiet.backbone.endpoints.dynamodb);
  step('1b analytics workload: coalescing on, off, and Powertools, on DynamoDB Local');
  analytics = await runAnalytics(quiet.backbone.endpoints.dynamodb);
  step('6 rare paths: units and calls per event on DynamoDB Local and kinesis-mock');
  rarePaths = await runRarePaths(quiet.backbone.endpoints, exactlyOnce);
  step('2b ingress dedupe probe and throughput over HTTP');
  dedupe = await probeDedupe(quiet);
  ingressHttp = await runIngressHttp(quiet);
} finally {
  await quiet.stop();
}
step('local mode with the consumer: starting emulators');
const full = await startBenchBackbone({ withConsumer: true });
try {
  step('3 end-to-end latency');
  latency = await runLatency(full);
} finally {
  await full.stop();
}

step('5 cost model');
const prices = loadPrices(join(ROOT, 'bench/prices.json'));
const cost = costModel({ exactlyOnce, ingressCpu, ingressHttp, dedupe, coldStart }, prices);
const sample = orderData('size', 0);
const report = {
  command: 'npm run bench',
  generatedAt: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverage: { ...load, end: loadavg().map((n) => round(n, 2)) },
  wallSeconds: round((performance.now() - started) / 1000, 1),
  workload: {
    recordBytes: recordSize(sample),
    stateItemBytes: itemSize(marshall(stateItem(sample)) as Record<string, unknown>),
  },
  exactlyOnce,
  analytics,
  ingressCpu,
  ingressHttp,
  ingressDedupe: dedupe,
  latency,
  coldStart,
  cost: { reference: REFERENCE, pricesTakenOn: prices.takenOn, designs: cost },
  rarePaths,
};
const verdicts = targets(report);
writeFileSync(join(results, 'report.json'), `${JSON.stringify({ ...report, targets: verdicts }, null, 2)}\n`);
writeFileSync(join(results, 'latency.svg'), latencySvg(latency));
writeRareResults(results, rarePaths);
printReport(report, verdicts);
console.log(rareTable(rarePaths));
console.log(`\nwrote bench/results/report.json and bench/results/latency.svg in ${report.wallSeconds} s`);
