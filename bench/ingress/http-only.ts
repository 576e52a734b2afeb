import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KINESIS_EMULATOR_ENV } from '../../local';
import { startBenchBackbone } from '../local/backbone';
import { ingressHttpCpuTable } from '../report/http-cpu';
import { runIngressHttp } from './http';

/**
 * `npx tsx bench/ingress/http-only.ts [--profile DIR]`: run 2b of the bench alone (ingress over HTTP
 * against raw PutRecords on the same Kinesis emulator), printed with the CPU of each process per 100
 * events, `uptime` before and after, and the emulator it ran on. `--profile DIR` also writes a CPU
 * profile of the runtime per round (the figures of such a run are not comparable: sampling costs CPU).
 * `SPINE_KINESIS_EMULATOR=kinesis-mock` runs it on kinesis-mock instead of Kinesis lite.
 */
const { values } = parseArgs({ options: { profile: { type: 'string' } } });
const profileDir = values.profile === undefined ? undefined : resolve(values.profile);
if (profileDir) mkdirSync(profileDir, { recursive: true });
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const before = uptime();
const bench = await startBenchBackbone({ withConsumer: false });
try {
  const rows = await runIngressHttp(bench, { ...(profileDir && { profileDir }) });
  console.log(
    JSON.stringify({ emulator: process.env[KINESIS_EMULATOR_ENV] ?? 'lite (default)', rows }, null, 2),
  );
  console.log(ingressHttpCpuTable(rows) ?? 'no CPU figures');
} finally {
  await bench.stop();
}
console.log(`uptime before: ${before}\nuptime after:  ${uptime()}`);
