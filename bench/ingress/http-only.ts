import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KINESIS_EMULATOR_ENV } from '../../local';
import { startBenchBackbone } from '../local/backbone';
import { runIngressHttp } from './http';

/**
 * `npx tsx bench/ingress/http-only.ts`: run 2b of the bench alone (ingress over HTTP against raw
 * PutRecords on the same Kinesis emulator), printed with the load average and the emulator it ran on.
 * `SPINE_KINESIS_EMULATOR=kinesis-mock` runs it on kinesis-mock instead of Kinesis lite.
 */
const before = loadavg();
const bench = await startBenchBackbone({ withConsumer: false });
const tmp = mkdtempSync(join(tmpdir(), 'spine-bench-http-'));
try {
  const rows = await runIngressHttp(bench, tmp);
  console.log(
    JSON.stringify({ emulator: process.env[KINESIS_EMULATOR_ENV] ?? 'lite (default)', rows }, null, 2),
  );
} finally {
  await bench.stop();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `load average before ${before.map((n) => n.toFixed(2)).join(' ')}, after ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
