import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * The end of `.ci/run`: what failed, then the plain `N passed, N failed` line, read from the four
 * vitest JSON reports. CI keeps only the tail of the log, so a failure is named here, last, with the
 * first lines of its message: a failing test, or a file that failed outside any test (a hook, an import).
 * A report that is missing (its command stopped before vitest wrote it) counts as one failure, and so
 * does a failed step outside vitest (lint, type-check, synth: `.ci/run` passes its exit status in
 * SPINE_CI_STATUS) when every report passed.
 */
interface Report {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly success: boolean;
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message: string;
    readonly assertionResults: readonly {
      readonly fullName: string;
      readonly status: string;
      readonly failureMessages: readonly string[] | null;
    }[];
  }[];
}

const JOBS = {
  'npm test': 'test-results/vitest.json',
  property: 'test-results/vitest-property.json',
  resilience: 'test-results/vitest-resilience.json',
  package: 'test-results/vitest-package.json',
} as const;
const MESSAGE_LINES = 12;

const excerpt = (text: string): string =>
  text
    .split('\n')
    .slice(0, MESSAGE_LINES)
    .map((line) => `    ${line}`)
    .join('\n');

let passed = 0;
let failed = 0;
const lines: string[] = [];
for (const [job, file] of Object.entries(JOBS)) {
  if (!existsSync(file)) {
    failed += 1;
    lines.push(`FAILED ${job}: no report (${file}); the command stopped before vitest wrote it`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  passed += report.numPassedTests;
  failed += report.numFailedTests + (!report.success && report.numFailedTests === 0 ? 1 : 0);
  for (const result of report.testResults) {
    const where = relative(process.cwd(), result.name);
    for (const test of result.assertionResults) {
      if (test.status !== 'failed') continue;
      lines.push(`FAILED ${job}: ${where} > ${test.fullName}`);
      lines.push(excerpt((test.failureMessages ?? []).join('\n')));
    }
    if (result.status === 'failed' && result.message) {
      lines.push(`FAILED ${job}: ${where} (outside a test)`);
      lines.push(excerpt(result.message));
    }
  }
}
const status = Number(process.env.SPINE_CI_STATUS ?? 0);
if (status !== 0 && failed === 0) {
  failed = 1;
  lines.push(
    `FAILED a step outside vitest (exit ${status}): lint, cycles, schema, type-check or synth; see its output above`,
  );
}
if (lines.length > 0) console.log(['== failures', ...lines].join('\n'));
console.log(`${passed} passed, ${failed} failed`);
