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
 * exactly-once-memory-log.test.ts at parallelization 4 with the mapping's BisectBatchOnFunctionError,
 * as the example deploys it: 20,000 events on the memory Kinesis and DynamoDB Local, in the
 * `npm run test:property` job beside the factor-1 file.
 */
describe('consumer runtime exactly-once effects under the AWS fault model, factor 4 (property, memory log)', () => {
  const { run } = propertySuite('memory');

  it(
    'applies every event exactly once at parallelization 4, with bisect on, on the memory log',
    async () => {
      const result = await run({
        name: 'eo4m',
        parallelizationFactor: 4,
        budget: { ...BUDGET, bisectOnError: true },
        events: MEMORY_EVENTS,
      });
      expectExactlyOnce(result, [...MEMORY_KINDS, 'mapping.bisect']);
    },
    DEADLINE_MS + 180_000,
  );
});
