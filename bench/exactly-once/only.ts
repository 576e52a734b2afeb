import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, startDynamo } from '../../local';
import { ROOT } from '../local/backbone';
import { analyticsRows, runAnalytics } from './analytics';
import { type DeliveryResult, runExactlyOnce } from './run';

/**
 * `npx tsx bench/exactly-once/only.ts`: run 1 of the bench alone (exactly-once cost on DynamoDB
 * Local) and run 1b (the analytics workload, with and without coalescing, and Powertools), printed
 * beside the figures of the last full `npm run bench` (bench/results/report.json), so
 * a change of the commit path shows its write units and calls per event without the whole bench.
 */
const work = mkdtempSync(join(tmpdir(), 'spine-bench-eo-'));
const dynamo = await startDynamo({
  dataDir: join(work, 'dynamodb'),
  port: 0,
  logFile: join(work, 'dynamodb.log'),
  log: silentLogger,
  inMemory: true,
  timeoutMs: 120_000,
});
try {
  const now = await runExactlyOnce(`http://127.0.0.1:${dynamo.port}`);
  const before: DeliveryResult[] = (() => {
    try {
      return JSON.parse(readFileSync(join(ROOT, 'bench/results/report.json'), 'utf8')).exactlyOnce ?? [];
    } catch {
      return [];
    }
  })();
  const rows = now.map((r) => {
    const old = before.find((b) => b.design === r.design && b.batchSize === r.batchSize);
    return {
      design: r.design,
      batch: r.batchSize,
      'wcu/event': r.first.wcu,
      'wcu/event before': old?.first.wcu ?? '-',
      'overhead wcu/event': r.overheadWcu,
      'overhead before': old?.overheadWcu ?? '-',
      'calls/event': r.first.calls,
      'calls before': old?.first.calls ?? '-',
      'redelivery calls/event': r.redelivery.calls,
      ops: JSON.stringify(r.first.callsByOp),
    };
  });
  console.table(rows);
  console.log('run 1b, the example analytics service (shared counter adds per decision), batch 100:');
  console.table(analyticsRows(await runAnalytics(`http://127.0.0.1:${dynamo.port}`)));
} finally {
  await dynamo.stop();
  rmSync(work, { recursive: true, force: true });
}
