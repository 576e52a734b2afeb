import { type EventProblem, IngressError } from './errors';
import type { PreparedEvent } from './prepared';
import type { FailedRecord } from './writer';

/** Why one event of a request has no result. */
export type Unresolved = FailedRecord & { readonly uncertain?: boolean };

export const NOT_WRITTEN = 'not written';
export const THROTTLED = 'throttled by the log';
export const OUTCOME_UNKNOWN = 'outcome unknown: the event may be in the log';
export const OUTCOME_UNKNOWN_NO_KEY =
  'outcome unknown: the event may be in the log; it has no idempotency key, so a retry adds a new event';

/**
 * The 429/503 for a request some of whose events have no result, with the results of the rest. An event
 * is called "not written" only when Kinesis answered and refused it; an event whose write went
 * unanswered is "outcome unknown", never "not written", because it may be in the log. With an
 * idempotency key its retry is safe (the ingress searches the log before writing again); without one it
 * cannot be deduplicated at the ingress, and the message says so.
 */
export const unresolvedError = (
  events: readonly PreparedEvent[],
  unresolved: ReadonlyMap<number, Unresolved | undefined>,
  accepted: readonly Record<string, unknown>[],
): IngressError => {
  const problems: EventProblem[] = [];
  let allThrottled = true;
  let unknown = 0;
  for (const event of events) {
    if (!unresolved.has(event.index)) continue;
    const failure = unresolved.get(event.index);
    const uncertain = failure?.uncertain === true;
    allThrottled &&= failure?.throttled === true && !uncertain;
    if (uncertain) unknown += 1;
    const message = uncertain
      ? event.idempotency
        ? OUTCOME_UNKNOWN
        : OUTCOME_UNKNOWN_NO_KEY
      : failure?.throttled
        ? THROTTLED
        : NOT_WRITTEN;
    problems.push({ index: event.index, path: '', message });
  }
  const notWritten = problems.length - unknown;
  const message = [
    unknown > 0
      ? `${unknown} of ${events.length} events have an unknown outcome: they may be in the log. Retrying the request with the same idempotency keys is safe and never adds a copy.`
      : '',
    notWritten > 0
      ? `${notWritten} of ${events.length} events were not written; retry the request with the same keys.`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
  return new IngressError(
    allThrottled ? 'THROTTLED' : 'UNAVAILABLE',
    message,
    problems,
    allThrottled ? 1 : 2,
    { extra: { results: accepted } },
  );
};
