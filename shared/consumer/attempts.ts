import type { BatchRun } from './commits';
import { InvocationDiedError } from './errors';
import type { FailureRecord } from './store';

/** What the attempt-start step found at the batch's first unapplied record. */
export type StartOutcome =
  | { readonly park: false; readonly careful: boolean }
  /** The event killed `deaths` careful invocations, reaching `maxAttempts`: park it now. */
  | { readonly park: true; readonly deaths: number; readonly error: InvocationDiedError };

/**
 * Writes the attempt-start mark on the checkpoint item of the first unapplied record (`index`), before
 * any work: one small conditional UpdateItem per invocation (~1 WCU), because process death runs no
 * catch or finally. A mark already there at the same record, left by an invocation that neither
 * committed nor answered, means that invocation died: this one goes careful (one event per commit).
 * A death is counted as an attempt only when the dead invocation was careful itself, because only
 * then does the mark name the event it died on; so the first death of a normal batch costs no
 * attempt, and an event that kills every invocation is parked after `maxAttempts` careful deaths.
 */
export const startAttempt = async (
  run: BatchRun,
  index: number,
  maxAttempts: number,
): Promise<StartOutcome> => {
  const record = run.records[index];
  if (!record) return { park: false, careful: false };
  const seq = record.kinesis.sequenceNumber;
  const sk = run.view.sk(record);
  const loaded = run.view.loaded.get(sk) ?? {};
  const previous = loaded.started;
  const died = previous?.seq === seq;
  let failure: FailureRecord | undefined;
  if (died && previous.careful) {
    const before = loaded.failure?.sequenceNumber === seq ? loaded.failure.attempts : 0;
    const deaths = before + 1;
    const error = new InvocationDiedError(deaths);
    if (deaths >= maxAttempts) return { park: true, deaths, error };
    failure = { sequenceNumber: seq, attempts: deaths, error: `${error.name}: ${error.message}` };
  }
  const careful = died;
  run.careful = careful;
  await run.store.markStarted(
    run.position,
    sk,
    { expected: run.view.own(sk), previousToken: previous?.token },
    { seq, token: run.token, careful, at: Date.now() },
    failure,
  );
  run.mark = sk;
  if (failure) run.failures.set(sk, failure);
  return { park: false, careful };
};
