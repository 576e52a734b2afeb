import { configDefaults, defineConfig } from 'vitest/config';
import { FileDurationsReporter } from './test/file-durations-reporter';
import { LongestFirstSequencer } from './test/sequencer';

/**
 * The package test packs Spine, installs the tarball in a new project and runs that project's test,
 * synth and local mode: 4-5 minutes, so it is its own job (`npm run test:package`) outside the suite.
 */
const PACKAGE_TEST = 'test/e2e/package.test.ts';
/**
 * The console's browser test (headless Chromium against local mode) runs in the suite; it installs
 * Chromium when missing (scripts/ensure-chromium.sh) and `SPINE_BROWSER_TEST=off` reports it skipped,
 * with the reason. `npm run test:browser` (SPINE_BROWSER_TEST=only) runs it alone (docs/console.md).
 */
const BROWSER_TEST = 'test/e2e/console.test.ts';
/**
 * The property test at 20,000 events per factor on the memory Kinesis (issue 11's scale): ~4 minutes
 * per file at load ~10, side by side, so it is its own job (`npm run test:property`), which CI's
 * `.ci/run` runs after the suite. The suite keeps the 3,000-event runs on kinesis-mock.
 */
const PROPERTY_TESTS = [
  'test/integration/consumer/exactly-once-memory-log.test.ts',
  'test/integration/consumer/exactly-once-memory-log-factor4.test.ts',
];
/**
 * The crash-restart and chaos runs at the issues' scale (20 rounds; 200 orders): ~200 s and ~145 s alone,
 * and the hostile-input run's whole plan (10,120 requests; 207 s in a fresh-clone suite run), so CI runs
 * them at that scale in their own job (`npm run test:resilience`, SPINE_RESILIENCE_TEST=1). The suite runs
 * the same files smaller (4 rounds killing each part at least once; 40 orders with every kill and fault
 * kind; half of each hostile category), read from the same variable in each file.
 */
const RESILIENCE_TESTS = [
  'test/e2e/local-crash-restart.test.ts',
  'test/e2e/chaos.test.ts',
  'test/e2e/ingress-hostile.test.ts',
];
const packageOnly = process.env.SPINE_PACKAGE_TEST === '1';
const propertyOnly = process.env.SPINE_PROPERTY_TEST === '1';
const resilienceOnly = process.env.SPINE_RESILIENCE_TEST === '1';
const browserOnly = process.env.SPINE_BROWSER_TEST === 'only';
const ownJobs = [PACKAGE_TEST, ...PROPERTY_TESTS];
/** Each job writes its own report, so CI can run them after the suite and add them up. */
const report = packageOnly
  ? 'vitest-package.json'
  : propertyOnly
    ? 'vitest-property.json'
    : resilienceOnly
      ? 'vitest-resilience.json'
      : 'vitest.json';

const include = packageOnly
  ? [PACKAGE_TEST]
  : propertyOnly
    ? PROPERTY_TESTS
    : resilienceOnly
      ? RESILIENCE_TESTS
      : browserOnly
        ? [BROWSER_TEST]
        : ['test/**/*.test.ts'];
const exclude =
  packageOnly || propertyOnly || resilienceOnly || browserOnly
    ? configDefaults.exclude
    : [...configDefaults.exclude, ...ownJobs];
/**
 * Files that share one module graph per worker (vitest's `isolate: false`): unit, type and infra tests
 * start no process and hold no emulator, and re-importing the SDK, aws-cdk-lib and the catalog for each
 * of their ~120 files was most of their time. Measured at load ~5 (2 cores): unit + types 84 s -> 44 s
 * (import 73 s -> 15 s), infra 172 s -> 88 s (import 85 s -> 17 s). What such a file changes in its
 * process must not outlive it: test/setup/after-file.ts undoes stubs and temp dirs after every file, and
 * process-wide state has a way back (`provideStandaloneValidators(undefined)`); `npm run test:isolated` runs every file
 * isolated, to tell a leak from a real failure. Integration files share too (they start their
 * emulators as child processes and stop them in their own hooks; import time of the integration
 * directory in a trial, all shared: 14 s), except IN_PROCESS_BACKBONE below. e2e files drive local mode
 * as a child process and keep a process each.
 */
const SHARED = [
  'test/unit/**/*.test.ts',
  'test/types/**/*.test.ts',
  'test/infra/**/*.test.ts',
  'test/integration/**/*.test.ts',
];
/**
 * Integration files that run local mode's backbone or its emulator starters in the test's own process:
 * handler modules read their configuration (endpoints, stream and table names) once at import, so a
 * second backbone in a shared process would reach the first one's stopped emulators through them (seen:
 * 503s from the ingress), and the port pickers keep state per process. These keep a process each.
 * Every other integration file talks to its emulators through clients it builds itself, and shares.
 */
const IN_PROCESS_BACKBONE = [
  'test/integration/cli-parked.test.ts',
  'test/integration/cli-replay.test.ts',
  'test/integration/cli-status-keys.test.ts',
  'test/integration/cli-status.test.ts',
  'test/integration/local-backbone.test.ts',
  'test/integration/local-esm.test.ts',
  'test/integration/local-reshard.test.ts',
  'test/integration/local/fault-relay-wiring.test.ts',
  'test/integration/local/free-port.test.ts',
  'test/integration/local/picked-ports.test.ts',
];
const isolateAll = process.env.SPINE_TEST_ISOLATE === '1';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: include.flatMap((i) => (i === 'test/**/*.test.ts' ? SHARED : [])),
          exclude: [...exclude, ...IN_PROCESS_BACKBONE],
          isolate: isolateAll,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: include.flatMap((i) =>
            i === 'test/**/*.test.ts' ? ['test/e2e/**/*.test.ts', ...IN_PROCESS_BACKBONE] : [i],
          ),
          exclude,
          isolate: true,
        },
      },
    ],
    // One budget for every test and hook, generous on purpose: a passing test takes what it takes. With a
    // second suite and other work on the 2 cores (load 16-18) files ran 3-5.5x slower than alone (chaos
    // 703 s against 201 s; the example order flow's setup outran its own 300 s budget, ~55 s alone), so
    // per-test budgets of 2-6x their quiet time failed runs where nothing was wrong. 10 minutes is at
    // least 10x the quiet time of every test and hook but the few with their own, larger budget
    // (property, hostile, chaos, crash-restart, package); a test that really hangs costs 10 minutes.
    // Undoes what a file stubbed and removes its temp dirs (test/setup/after-file.ts), after each file.
    setupFiles: ['test/setup/after-file.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Three files at a time on the two cores: e2e and integration files spend much of their time waiting
    // on emulators, local-mode restarts and retry deadlines. In a fresh-clone run with two workers, at
    // least one worker was between files or idle for 323 of vitest's 755 s. At load ~10 (other work beside
    // it) vitest took 1,327 s before, 846 s with three workers, shared integration files and the shorter
    // crash-restart and chaos runs together (not measured apart). SPINE_TEST_WORKERS overrides.
    maxWorkers: Number(process.env.SPINE_TEST_WORKERS ?? 3),
    // Long files first, so the suite's wall time is not one long file running alone at the end.
    sequence: { sequencer: LongestFirstSequencer },
    // Handlers log through Powertools; warnings of parked events in tests are expected noise.
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' },
    // The JSON report leaves each file's hooks and imports out of its times; the second report has them,
    // for scripts/test-durations.ts (the sequencer's table).
    reporters: [
      'default',
      ['json', { outputFile: `test-results/${report}` }],
      new FileDurationsReporter(`test-results/${report.replace(/\.json$/, '-files.json')}`),
    ],
  },
});
