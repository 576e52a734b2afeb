import { describe, expect, it } from 'vitest';
import {
  BUDGET,
  DEADLINE_MS,
  EVENTS,
  expectExactlyOnce,
  FACTOR4_EVENTS,
  KINDS,
  propertySuite,
  RATES,
} from './exactly-once/property';

/**
 * The property test's second file (the first, factor 1, is exactly-once.test.ts; vitest's two workers
 * run them side by side): the same fault model at parallelization 4 with the mapping's
 * BisectBatchOnFunctionError on, as the example deploys it, and a run where the mapping itself gives up
 * (finite MaximumRetryAttempts) to show what AWS's own give-up drops. The factor-4 run has 750 events
 * in `npm test` (FACTOR4_EVENTS: what that keeps is listed there); the finite-budget run keeps its 300
 * (a fifth of factor 1's), as no other job runs it.
 */
describe('consumer runtime exactly-once effects under the AWS fault model, factor 4 and give-ups (property)', () => {
  const { run } = propertySuite();

  it(
    'applies every event exactly once at parallelization 4, with bisect on',
    async () => {
      const result = await run({
        name: 'eo4',
        parallelizationFactor: 4,
        budget: { ...BUDGET, bisectOnError: true },
        events: FACTOR4_EVENTS,
      });
      // A batch that failed whole (timeout, death) is split in two by the mapping: certain, because the
      // forced timeout waits for a batch of two records or more.
      expectExactlyOnce(result, [...KINDS, 'mapping.bisect']);
    },
    DEADLINE_MS + 180_000,
  );

  it(
    "with a finite budget, drops only what the mapping's give-ups name in their metadata",
    async () => {
      // Invocations fail often here, so two attempts run out and the mapping gives batches up.
      const rates = { ...RATES, invocation: { timeout: 0.25, death: 0.15, duplicate: 0.03 } };
      // The runtime would retry for ever; the mapping gives up after one retry, as AWS's would.
      const budget = { maxAttempts: 2_220, maxRecordAgeSeconds: -1, mappingRetries: 1 };
      const result = await run({
        name: 'eob',
        parallelizationFactor: 1,
        budget,
        events: Math.ceil(EVENTS / 5),
        rates,
      });

      // Every missing effect lies in a range an on-failure destination names (shard + sequence range only).
      const unaccounted = result.keys.filter(
        (k) => k.expected.count - k.count > (result.discardedEvents.get(k.key)?.size ?? 0) + result.parked,
      );
      const dropped = [...result.discardedEvents.values()].reduce((n, s) => n + s.size, 0);
      console.log(
        `[exactly-once] finite budget: ${result.discards.length} give-ups naming ${dropped} events`,
      );
      expect(result.discards.length).toBeGreaterThan(0);
      expect(unaccounted.map((k) => `${k.key}: ${k.count}/${k.expected.count}`)).toEqual([]);
    },
    DEADLINE_MS + 180_000,
  );
});
