import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds each long test file held its worker in a whole-suite run, imports and hooks included
 * (test/durations.json, written from a run's per-file report by `scripts/test-durations.ts`; the JSON
 * report's times leave hooks out, which put example-order-flow's 77 s at 17 s). Only their order
 * matters: a fresh clone has no vitest results cache, so vitest would order by file size, and a long
 * file started late decides the suite's wall time (the 3-minute property test started at 715 s once; a
 * new 63 s file ran last, alone). A file missing from the table runs after the listed ones: regenerate
 * the table when adding a long file.
 */
const MEASURED_SECONDS: Readonly<Record<string, number>> = JSON.parse(
  readFileSync(join(process.cwd(), 'test', 'durations.json'), 'utf8'),
);

/**
 * Started before every other file whatever their measured time: the property test's two files, so
 * they run side by side from the start (its factor-4 file is the suite's most load-sensitive one); with
 * three workers the chaos run, the longest, starts beside them.
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
