import { describe, it } from 'vitest';
import { BUDGET, DEADLINE_MS, EVENTS, expectExactlyOnce, propertySuite } from './exactly-once/property';

/**
 * Exactly-once effects under AWS's fault model, at parallelization 1: lost answers of applied writes
 * (PutRecords whole and partial, TransactWriteItems, conditional writes), a PutRecords stored only
 * after its marked re-send (late landing), throttles, Lambda timeouts racing their retries, concurrent
 * duplicate invocations, container death with no catch or finally between any two AWS calls of an
 * invocation (and right after a commit: once per service, once after a commit with an emit on a shard
 * no reshard closes), a split and a merge mid-run, each with marked copies left unread in the closing
 * shard and a race at its last batch that leaves an emit committed there and unpublished, which only
 * a child shard's recovery of its parents' outbox can publish (exactly-once/race.ts). The counter is
 * additive (typed `add` + `append`), so a double application shows in its count. Factor 4, bisect and
 * the mapping's finite budget: exactly-once-factor4.test.ts. Knobs: exactly-once/property.ts.
 */
describe('consumer runtime exactly-once effects under the AWS fault model (property)', () => {
  const { run } = propertySuite();

  it(
    'applies every event exactly once at parallelization 1 (retries unlimited, as infra sets them)',
    async () => {
      expectExactlyOnce(await run({ name: 'eo1', parallelizationFactor: 1, budget: BUDGET, events: EVENTS }));
    },
    DEADLINE_MS + 180_000,
  );
});
