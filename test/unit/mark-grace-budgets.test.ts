import { describe, expect, it } from 'vitest';
import { SECONDS_PER_DEATH } from '../../shared/catalog/give-up-checks';
import { CONSUMER_TIMEOUT_SECONDS } from '../../shared/config';
import { markState } from '../../shared/consumer/attempts';
import { TOMBSTONE_GRACE_MS } from '../../shared/consumer/tombstones';

/** The last millisecond past its deadline at which a mark still reads as live. */
const liveWindowPastDeadlineMs = (): number => {
  const deadline = 1_800_000_000_000;
  const mark = { seq: '1', token: 't', careful: false, at: deadline - 30_000, deadline };
  let past = 0;
  while (markState(mark, deadline + past + 1) === 'live') past += 1;
  return past;
};

/**
 * Two budgets are derived from how long an attempt mark outlives its deadline: the catalog's time per
 * death (a give-up must come within the retention) and the tombstones' grace (its time is one writer's
 * clock, read on another's). Both are checked here against what `markState` does, not against a
 * constant, so a change to the mark's window that leaves either budget behind fails.
 */
describe('budgets derived from the attempt mark', () => {
  it("budget each death at least the dead invocation's timeout and the time its mark still reads as live", () => {
    // Act
    const live = liveWindowPastDeadlineMs();

    // Assess
    expect(live).toBeGreaterThan(0);
    expect(SECONDS_PER_DEATH * 1_000).toBeGreaterThanOrEqual(CONSUMER_TIMEOUT_SECONDS * 1_000 + live);
  });

  it('keep a tombstone at least 15 min plus the time a mark still reads as live', () => {
    // Act
    const live = liveWindowPastDeadlineMs();

    // Assess
    expect(TOMBSTONE_GRACE_MS).toBeGreaterThanOrEqual(15 * 60_000 + live);
  });
});
