import { loadavg } from 'node:os';
import { ingressCpuTable, NO_IDS_NOTE } from '../report/print';
import { runIngressCpu, SCENARIOS, type ScenarioName } from './cpu';
import { withBenchCa } from './wire';

/**
 * `npx tsx bench/ingress/only.ts [scenario ...] [--rounds N] [--wire socket|in-process]`: run 2a of the bench alone (every
 * scenario by default; `spine-array-no-ids naive-putrecord-100` for the arrays without ids), printed with the machine's load average. Naming one scenario is how to profile
 * it alone: `node --import tsx --cpu-prof bench/ingress/only.ts spine-batch-ids`.
 */
// Run 2a's clients reach a local TLS server (bench/ingress/wire.ts): trust its certificate first.
withBenchCa();
const args = process.argv.slice(2);
const isScenario = (a: string): a is ScenarioName => SCENARIOS.some((s) => s === a);
const OPTIONS = ['--rounds', '--wire'];
const unknown = args.filter(
  (a, i) => !isScenario(a) && !OPTIONS.includes(a) && !OPTIONS.includes(args[i - 1] ?? ''),
);
if (unknown.length > 0)
  throw new Error(`unknown argument(s) ${unknown.join(' ')}; scenarios: ${SCENARIOS.join(', ')}`);
const only = args.filter(isScenario);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : undefined;
const before = loadavg();
const wireAt = args.indexOf('--wire');
const wire = wireAt >= 0 ? args[wireAt + 1] : 'socket';
if (wire !== 'socket' && wire !== 'in-process') throw new Error(`--wire ${wire}: socket or in-process`);
console.log(`2a wire: ${wire}`);
const results = await runIngressCpu({ only: only.length > 0 ? only : undefined, rounds, wire });
console.log(ingressCpuTable(results));
console.log(NO_IDS_NOTE);
console.log(
  `load average before ${before.map((n) => n.toFixed(2)).join(' ')}, after ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
