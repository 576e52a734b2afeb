import { type EventProblem, IngressError } from './errors';
import type { PreparedEvent } from './prepared';
import type { PublishResult } from './publish-deps';
import type { FailedRecord } from './writer';

/** Why one event of a request has no result. */
export type Unresolved = FailedRecord & {
  readonly uncertain?: boolean;
  /** Its key's first attempt is older than the topic's retention now: never decidable, never re-written. */
  readonly trimmed?: boolean;
};

export const NOT_WRITTEN = 'not written';
export const THROTTLED = 'throttled by the log';
export const OUTCOME_UNKNOWN = 'outcome unknown: the event may be in the log';
export const OUTCOME_UNDECIDABLE =
  "outcome undecidable: this key's first attempt is older than the topic's retention now (it was lowered), so the log can no longer show whether the event was written; it is not written again";
export const OUTCOME_UNKNOWN_NO_KEY =
  'outcome unknown: the event may be in the log; it has no idempotency key, so a retry adds a new event';

/** The event has an idempotency key: its own, or its request's (`Idempotency-Key` on several events). */
const keyed = (event: PreparedEvent): boolean => event.idempotency !== undefined || event.batch !== undefined;

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
  let undecidable = 0;
  for (const event of events) {
    if (!unresolved.has(event.index)) continue;
    const failure = unresolved.get(event.index);
    const uncertain = failure?.uncertain === true;
    allThrottled &&= failure?.throttled === true && !uncertain;
    if (failure?.trimmed) {
      undecidable += 1;
      problems.push({ index: event.index, path: '', message: OUTCOME_UNDECIDABLE });
      continue;
    }
    if (uncertain) unknown += 1;
    const message = uncertain
      ? keyed(event)
        ? OUTCOME_UNKNOWN
        : OUTCOME_UNKNOWN_NO_KEY
      : failure?.throttled
        ? THROTTLED
        : NOT_WRITTEN;
    problems.push({ index: event.index, path: '', message });
  }
  const notWritten = problems.length - unknown - undecidable;
  // Without keys (an at-least-once producer, or plain JSON without an id) a retry is not deduped: the
  // caller must resend only the events without a result, or the written ones are stored again.
  const unkeyed = events.some((e) => unresolved.has(e.index) && !keyed(e));
  if (undecidable === problems.length)
    // A retry gets the same answer: the producer must decide (look for the event downstream).
    return new IngressError(
      'IDEMPOTENCY_UNDECIDABLE',
      `${undecidable} of ${events.length} events cannot be decided: the topic's retention was lowered below the age of their keys' first attempt. They are not written again; retrying does not help.`,
      problems,
      undefined,
      { extra: { results: accepted } },
    );
  const message = [
    unknown > 0
      ? unkeyed
        ? `${unknown} of ${events.length} events have an unknown outcome: they may be in the log, and without idempotency keys a retry of them may store them twice.`
        : `${unknown} of ${events.length} events have an unknown outcome: they may be in the log. Retrying the request with the same idempotency keys is safe and never adds a copy.`
      : '',
    notWritten > 0
      ? unkeyed
        ? `${notWritten} of ${events.length} events were not written; resend only the events listed in problems (results lists those written: resending them stores them again).`
        : `${notWritten} of ${events.length} events were not written; retry the request with the same keys.`
      : '',
    undecidable > 0
      ? `${undecidable} of ${events.length} events cannot be decided (the topic's retention was lowered) and are not written again.`
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

/**
 * A request's answer: every event's result in request order, a repeat answered as the event it repeats
 * (`duplicate: true`, or unresolved with it), else the 429/503 of `unresolvedError` with what has one.
 */
export const answerRequest = (
  events: readonly PreparedEvent[],
  results: Map<number, PublishResult>,
  unresolved: Map<number, Unresolved | undefined>,
  repeats: ReadonlyMap<number, number>,
): PublishResult[] => {
  for (const [index, firstIndex] of repeats) {
    const r = results.get(firstIndex);
    if (r) results.set(index, { ...r, duplicate: true });
    else unresolved.set(index, unresolved.get(firstIndex));
  }
  if (results.size === events.length) return events.map((e) => results.get(e.index) as PublishResult);
  const accepted = [...results].map(([index, r]) => ({ index, ...r }));
  throw unresolvedError(events, unresolved, accepted);
};
