import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

/**
 * Writes test/durations.json from a whole-suite run's report (test-results/vitest.json): the seconds
 * each file of 3 s or more took, which the suite's sequencer (test/sequencer.ts) starts longest first.
 * Run it after a suite run when a long file is added or a file's time moves a lot:
 * `npx vitest run && npx tsx scripts/test-durations.ts`.
 */
interface Report {
  readonly testResults: readonly {
    readonly name: string;
    readonly startTime: number;
    readonly endTime: number;
  }[];
}

const MIN_SECONDS = 3;
const root = process.cwd();
const from = resolve(root, process.argv[2] ?? 'test-results/vitest.json');
const to = resolve(root, 'test/durations.json');
const report: Report = JSON.parse(readFileSync(from, 'utf8'));
const seconds = report.testResults
  .map((f) => [relative(root, f.name), Math.round((f.endTime - f.startTime) / 1000)] as const)
  .filter(([, s]) => s >= MIN_SECONDS)
  .sort((a, b) => b[1] - a[1]);
writeFileSync(to, `${JSON.stringify(Object.fromEntries(seconds), null, 2)}\n`);
console.log(`${to}: ${seconds.length} files of ${MIN_SECONDS} s or more, from ${relative(root, from)}`);
