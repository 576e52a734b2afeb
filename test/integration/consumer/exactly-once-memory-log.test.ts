import { describe, it } from 'vitest';
import {
  BUDGET,
  DEADLINE_MS,
  expectExactlyOnce,
  MEMORY_EVENTS,
  MEMORY_KINDS,
  propertySuite,
} from './exactly-once/property';

/**
 * The property test at issue 11's scale: 20,000 events (`SPINE_EO_MEMORY_EVENTS`) at parallelization
 * 1, with the fault model, reshards, forced races and checks of exactly-once.test.ts, on the memory
 * Kinesis (test/fixtures/memory-kinesis, held to kinesis-mock by memory-kinesis-contract.test.ts)
 * behind the same relays, and DynamoDB Local. kinesis-mock answers ~1 s per call at load 13, which is
 * what keeps its runs to 3,000 events. Its own CI job (`npm run test:property`, ~4 min per file at load
 * ~10, both files side by side), outside `npm test`; factor 4: exactly-once-memory-log-factor4.test.ts.
 */
describe('consumer runtime exactly-once effects under the AWS fault model (property, memory log)', () => {
  const { run } = propertySuite('memory');

  it(
    'applies every event exactly once at parallelization 1 on the memory log',
    async () => {
      expectExactlyOnce(
        await run({ name: 'eo1m', parallelizationFactor: 1, budget: BUDGET, events: MEMORY_EVENTS }),
        MEMORY_KINDS,
      );
    },
    DEADLINE_MS + 180_000,
  );
});
