import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration and e2e suites start emulators; two cores means keeping file parallelism low.
    maxWorkers: 2,
    // Handlers log through Powertools; warnings of parked events in tests are expected noise.
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
