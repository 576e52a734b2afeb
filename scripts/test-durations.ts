import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { FileDuration } from '../test/file-durations-reporter';

/**
 * Writes test/durations.json from a whole-suite run's per-file report (test-results/vitest-files.json,
 * written by test/file-durations-reporter.ts): the seconds each file of 3 s or more held its worker,
 * imports and hooks included, which the suite's sequencer (test/sequencer.ts) starts longest first.
 * Run it after a suite run when a long file is added or a file's time moves a lot:
 * `npx vitest run && npx tsx scripts/test-durations.ts`.
 */
const MIN_SECONDS = 3;
const root = process.cwd();
const from = resolve(root, process.argv[2] ?? 'test-results/vitest-files.json');
const to = resolve(root, 'test/durations.json');
const report: Record<string, FileDuration> = JSON.parse(readFileSync(from, 'utf8'));
const seconds = Object.entries(report)
  .map(([file, d]) => [file, Math.round(d.seconds)] as const)
  .filter(([, s]) => s >= MIN_SECONDS)
  .sort((a, b) => b[1] - a[1]);
writeFileSync(to, `${JSON.stringify(Object.fromEntries(seconds), null, 2)}\n`);
console.log(`${to}: ${seconds.length} files of ${MIN_SECONDS} s or more, from ${relative(root, from)}`);
