import { loadavg } from 'node:os';
import { coldStartTable } from './print';
import { RUNS, runColdStart } from './run';

/**
 * `npx tsx bench/coldstart/only.ts [runs]`: run 4 of the bench alone (also `npm run bench -- --only
 * coldstart`), printed with the machine's load average, since every figure moves with it.
 */
const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? RUNS);
const before = loadavg();
const results = await runColdStart(runs);
console.log(coldStartTable(results, runs));
console.log(
  `load average before ${before.map((n) => n.toFixed(2)).join(' ')}, after ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
