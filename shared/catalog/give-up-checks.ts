import { CONSUMER_TIMEOUT_SECONDS } from '../config/timeouts';
import type { CatalogProblem } from './errors';
import type { CatalogSpec } from './types';

/**
 * The latest an event that kills every invocation (crash, out of memory, timeout) is parked: each of
 * its attempts waits out the dead invocation's deadline plus the 2 s grace of its attempt mark
 * (shared/consumer/attempts.ts), `maxAttempts + 1` times (docs/consumer-runtime.md, *Known limits*).
 * An event that fails by throwing is retried sooner, so this is the worst case.
 */
export const secondsToParkByDeaths = (maxAttempts: number): number =>
  (maxAttempts + 1) * (CONSUMER_TIMEOUT_SECONDS + 2);

/**
 * Give-ups that come too late. The event source mapping never gives up (retries and record age -1,
 * `mapping.ts`): the runtime parks an event after `retry.maxAttempts` or at `retry.maxRecordAgeSeconds`.
 * A record that leaves the topic's retention before either is dropped by Kinesis unparked, so redrive
 * cannot reach it: an acknowledged event lost. Refused here, naming both ways out.
 */
export const giveUpProblems = (spec: CatalogSpec): CatalogProblem[] => {
  const retention = new Map(spec.topics.map((t) => [t.name, t.retentionHours * 3600]));
  const problems: CatalogProblem[] = [];
  for (const s of spec.services)
    s.subscriptions.forEach((sub, i) => {
      const kept = retention.get(sub.topic);
      if (kept === undefined) return;
      const path = `services[${s.name}].subscriptions[${i}].retry`;
      const age = sub.retry.maxRecordAgeSeconds ?? -1;
      if (age > 0 && age >= kept) {
        problems.push({
          path: `${path}.maxRecordAgeSeconds`,
          message: `${age} s is not below topic "${sub.topic}"'s retention (${kept} s): a record leaves the stream before the runtime parks it by age; use less than ${kept}`,
        });
        return;
      }
      const byDeaths = secondsToParkByDeaths(sub.retry.maxAttempts);
      if (age <= 0 && byDeaths >= kept) {
        const most = Math.floor(kept / (CONSUMER_TIMEOUT_SECONDS + 2)) - 2;
        problems.push({
          path: `${path}.maxAttempts`,
          message: `${sub.retry.maxAttempts} attempts park an event that crashes every invocation only after ~${byDeaths} s ((maxAttempts + 1) x ${CONSUMER_TIMEOUT_SECONDS + 2} s), past topic "${sub.topic}"'s retention (${kept} s), where Kinesis drops it unparked; use at most ${most} attempts, or set retry.maxRecordAgeSeconds below ${kept} (the runtime then parks by age)`,
        });
      }
    });
  return problems;
};
