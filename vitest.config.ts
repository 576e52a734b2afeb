import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The package test packs Spine, installs the tarball in a new project and runs that project's test,
 * synth and local mode: 5+ minutes on quiet cores, so it is its own job (`npm run test:package`, run by
 * `.ci/run` after `npm test`) instead of part of the ~13-minute suite.
 */
const PACKAGE_TEST = 'test/e2e/package.test.ts';
const packageOnly = process.env.SPINE_PACKAGE_TEST === '1';

export default defineConfig({
  test: {
    include: packageOnly ? [PACKAGE_TEST] : ['test/**/*.test.ts'],
    exclude: packageOnly ? configDefaults.exclude : [...configDefaults.exclude, PACKAGE_TEST],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration and e2e suites start emulators; two cores means keeping file parallelism low.
    maxWorkers: 2,
    // Handlers log through Powertools; warnings of parked events in tests are expected noise.
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
