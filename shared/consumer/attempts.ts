import { MARK_CLOCK_SKEW_MS } from '../config/timeouts';
import type { BatchRun } from './commits';
import { InvocationDiedError, isCheckpointConflictError } from './errors';
import { type AttemptStart, compareSequence, type FailureRecord } from './store';

/** The later of two sequence numbers (`b` may be absent). */
export const maxSeq = (a: string, b: string | undefined): string =>
  b === undefined || compareSequence(a, b) >= 0 ? a : b;

/**
 * What a mark left on the checkpoint item says about its writer: `live` while its deadline (plus
 * `MARK_CLOCK_SKEW_MS`) has not passed, as Lambda never lets an invocation outlive its deadline;
 * `dead` once it has, or when the mark carries no deadline (written without a Lambda context).
 */
export const markState = (mark: AttemptStart | undefined, now: number): 'none' | 'live' | 'dead' => {
  if (!mark) return 'none';
  if (mark.deadline === undefined) return 'dead';
  return now <= mark.deadline + MARK_CLOCK_SKEW_MS ? 'live' : 'dead';
};

/** What the attempt-start step found at the batch's first unapplied record. */
export type StartOutcome =
  | { readonly kind: 'run'; readonly careful: boolean }
  /** Another invocation may still be running on this record: answer "retry later", not an attempt. */
  | { readonly kind: 'busy'; readonly owner: string | undefined }
  /** The event killed `deaths` careful invocations, reaching `maxAttempts`: park it now. */
  | { readonly kind: 'park'; readonly deaths: number; readonly error: InvocationDiedError };

/**
 * Writes the attempt-start mark on the checkpoint item of the first unapplied record (`index`), before
 * any work: one small conditional UpdateItem per invocation (~1 WCU), because process death runs no
 * catch or finally. The mark carries the invocation's deadline (`run.deadline`).
 *
 * A mark already there from another invocation is read by its deadline:
 * - not passed (`live`): its writer may still run (a timed-out invoke the mapping retried, a concurrent
 *   duplicate). This invocation does no work and leaves the mark alone: `busy`, no attempt, no careful
 *   mode. A lost race on the mark write itself (both read "no mark") is `busy` too.
 * - passed (`dead`), at this very record: the writer died there (timeout, OOM, crash). This invocation
 *   goes careful (one event per commit). The death counts as an attempt only when the dead invocation
 *   was careful itself, because only then does the mark name the event it died on; so the first death
 *   of a normal batch costs no attempt, and an event that kills every invocation is parked after
 *   `maxAttempts` careful deaths.
 * Cost: a dead invocation holds its record until its deadline; see docs/consumer-runtime.md.
 */
export const startAttempt = async (
  run: BatchRun,
  index: number,
  maxAttempts: number,
  now: number = Date.now(),
): Promise<StartOutcome> => {
  const record = run.records[index];
  if (!record) return { kind: 'run', careful: false };
  const seq = record.kinesis.sequenceNumber;
  const sk = run.view.sk(record);
  const loaded = run.view.loaded.get(sk) ?? {};
  const previous = loaded.started;
  if (markState(previous, now) === 'live') return { kind: 'busy', owner: previous?.token };
  const died = previous?.seq === seq;
  let failure: FailureRecord | undefined;
  if (died && previous.careful) {
    const before = loaded.failure?.sequenceNumber === seq ? loaded.failure.attempts : 0;
    const deaths = before + 1;
    const error = new InvocationDiedError(deaths);
    if (deaths >= maxAttempts) return { kind: 'park', deaths, error };
    failure = { sequenceNumber: seq, attempts: deaths, error: `${error.name}: ${error.message}` };
  }
  // Records this invocation may write alone, on top of any a previous one left unpassed: none of
  // them is parked unrun until a checkpoint move passes them all.
  const lastSeq = run.records[run.records.length - 1]?.kinesis.sequenceNumber;
  const fenceTo =
    run.singleAllowed && !died && lastSeq !== undefined ? maxSeq(lastSeq, run.fencedTo) : undefined;
  try {
    await run.store.markStarted(
      run.position,
      sk,
      { expected: run.view.own(sk), previousToken: previous?.token },
      {
        seq,
        token: run.token,
        careful: died,
        at: now,
        ...(run.deadline !== undefined && { deadline: run.deadline }),
        ...(fenceTo !== undefined && { fenceTo }),
      },
      failure,
    );
  } catch (error) {
    // Another invocation wrote its mark (or committed) since the load: it is alive right now.
    if (isCheckpointConflictError(error)) return { kind: 'busy', owner: undefined };
    throw error;
  }
  run.careful = died;
  run.mark = sk;
  if (fenceTo !== undefined) run.fencedTo = fenceTo;
  if (failure) run.failures.set(sk, failure);
  return { kind: 'run', careful: died };
};
