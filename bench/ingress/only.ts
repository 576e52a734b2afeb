import { loadavg } from 'node:os';
import { ingressCpuTable, NO_IDS_NOTE } from '../report/print';
import { runIngressCpu, SCENARIOS, type ScenarioName } from './cpu';

/**
 * `npx tsx bench/ingress/only.ts [scenario ...] [--rounds N]`: run 2a of the bench alone (every
 * scenario by default; `spine-array-no-ids naive-putrecord-100` for the arrays without ids), printed with the machine's load average. Naming one scenario is how to profile
 * it alone: `node --import tsx --cpu-prof bench/ingress/only.ts spine-batch-ids`.
 */
const args = process.argv.slice(2);
const isScenario = (a: string): a is ScenarioName => SCENARIOS.some((s) => s === a);
const unknown = args.filter((a, i) => !isScenario(a) && a !== '--rounds' && args[i - 1] !== '--rounds');
if (unknown.length > 0)
  throw new Error(`unknown argument(s) ${unknown.join(' ')}; scenarios: ${SCENARIOS.join(', ')}`);
const only = args.filter(isScenario);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : undefined;
const before = loadavg();
const results = await runIngressCpu({ only: only.length > 0 ? only : undefined, rounds });
console.log(ingressCpuTable(results));
console.log(NO_IDS_NOTE);
console.log(
  `load average before ${before.map((n) => n.toFixed(2)).join(' ')}, after ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
