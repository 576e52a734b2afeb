import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds each long test file took in a whole-suite run on 2 busy cores (fresh clone of 0d8ec1d,
 * load 4-8). Only their order matters: a fresh clone has no vitest results cache, so vitest orders by
 * file size, and that run started the 3-minute property test at 715 s, after most short files, and
 * its tail decided the suite's wall time (1,141 s for 1,529 s of file time on 2 workers).
 */
const MEASURED_SECONDS: Readonly<Record<string, number>> = {
  // Measured side by side after the pollers' wake on writes and 20 crash rounds (load 7-13).
  'test/e2e/chaos.test.ts': 296,
  'test/e2e/local-crash-restart.test.ts': 315,
  // The property test's two files at 3,000 events, side by side (branch eo4, load 10-13): both start
  // first. 236 s and 123 s; under a third property run beside them (load 13-16), 364 s and 231 s.
  'test/integration/consumer/exactly-once-factor4.test.ts': 236,
  'test/integration/consumer/exactly-once.test.ts': 123,
  'test/e2e/ingress-hostile.test.ts': 126,
  'test/infra/security-widened-grants.test.ts': 92,
  'test/e2e/console.test.ts': 90,
  'test/e2e/local-signals.test.ts': 49,
  'test/integration/cli-replay.test.ts': 34,
  'test/integration/local-backbone.test.ts': 34,
  'test/e2e/example-order-flow.test.ts': 33,
  'test/integration/consumer/give-ups.test.ts': 33,
  'test/e2e/walking-skeleton.test.ts': 32,
  'test/e2e/example-users-and-fanout.test.ts': 31,
  'test/integration/cdc/snapshot-then-stream.test.ts': 27,
  'test/infra/security-ingress.test.ts': 26,
};

/**
 * Started before every other file whatever their measured time: the property test's two files, so
 * they run side by side on the two workers from the start (its factor-4 file is the suite's most
 * load-sensitive one; chaos then starts when the factor-1 file ends, ~120 s in).
 */
const FIRST: ReadonlySet<string> = new Set([
  'test/integration/consumer/exactly-once-factor4.test.ts',
  'test/integration/consumer/exactly-once.test.ts',
]);

/**
 * Longest first (the LPT rule): with 2 workers the long files run side by side from the start, and
 * the short ones fill the gaps, instead of one long file running alone at the end. Files not in the
 * table keep vitest's own order after them.
 */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = process.cwd();
    const weight = (file: TestSpecification) => {
      const path = relative(root, file.moduleId);
      return (FIRST.has(path) ? 1_000_000 : 0) + (MEASURED_SECONDS[path] ?? 0);
    };
    // Array.prototype.sort is stable, so equal weights (every unlisted file) keep vitest's order.
    return sorted.sort((a, b) => weight(b) - weight(a));
  }
}
