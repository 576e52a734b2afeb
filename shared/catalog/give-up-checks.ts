import { CONSUMER_TIMEOUT_SECONDS, MARK_CLOCK_SKEW_MS } from '../config/timeouts';
import type { CatalogProblem } from './errors';
import type { CatalogSpec } from './types';

/**
 * What one attempt of an event that kills every invocation (crash, out of memory, timeout) is budgeted:
 * the dead invocation's deadline, the grace of its attempt mark (`MARK_CLOCK_SKEW_MS`, read by
 * shared/consumer/attempts.ts), and 3 s for what comes between deaths (the busy answers' pacing, a cold
 * start, the mapping's re-invoke, which AWS does not document). The deadline plus the grace is the least
 * a death costs, not the most.
 */
export const SECONDS_PER_DEATH = CONSUMER_TIMEOUT_SECONDS + MARK_CLOCK_SKEW_MS / 1_000 + 3;

/** The share of a topic's retention a give-up may use: the rest is left for the unknown (review 19c). */
export const RETENTION_SHARE = 0.9;

/**
 * Give-ups that may come too late. The event source mapping never gives up (retries and record age
 * -1, `mapping.ts`): the runtime parks an event after `retry.maxAttempts` or at
 * `retry.maxRecordAgeSeconds`. A record still unparked when it leaves the topic's retention is dropped
 * by Kinesis, out of redrive's reach: an acknowledged event lost. An event that crashes every invocation
 * is parked by deaths after about `(maxAttempts + 1) x SECONDS_PER_DEATH`, and by deaths only: a dead
 * invocation leaves the shard's `fencedTo` raised, and records at or below it are run, never parked
 * for age (docs/consumer-single-item.md, point 2; review 19c). Both limits must fall within
 * `RETENTION_SHARE` of the retention; refused otherwise.
 */
export const giveUpProblems = (spec: CatalogSpec): CatalogProblem[] => {
  const retention = new Map(spec.topics.map((t) => [t.name, t.retentionHours * 3600]));
  const problems: CatalogProblem[] = [];
  for (const s of spec.services)
    s.subscriptions.forEach((sub, i) => {
      const kept = retention.get(sub.topic);
      if (kept === undefined) return;
      const budget = Math.floor(kept * RETENTION_SHARE);
      const path = `services[${s.name}].subscriptions[${i}].retry`;
      const share = `${RETENTION_SHARE * 100}% of topic "${sub.topic}"'s retention (${budget} of ${kept} s)`;
      const age = sub.retry.maxRecordAgeSeconds ?? -1;
      if (age > budget)
        problems.push({
          path: `${path}.maxRecordAgeSeconds`,
          message: `${age} s is past ${share}: a record may leave the stream before the runtime parks it by age; use at most ${budget}`,
        });
      const byDeaths = (sub.retry.maxAttempts + 1) * SECONDS_PER_DEATH;
      if (byDeaths > budget)
        problems.push({
          path: `${path}.maxAttempts`,
          message: `${sub.retry.maxAttempts} attempts park an event that crashes every invocation only after ~${byDeaths} s ((maxAttempts + 1) x ${SECONDS_PER_DEATH} s), past ${share}, where the stream may drop it unparked (a record age does not park it: it is run until its deaths do); use at most ${Math.floor(budget / SECONDS_PER_DEATH) - 1} attempts`,
        });
    });
  return problems;
};
