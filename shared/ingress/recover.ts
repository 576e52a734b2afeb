import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { mapLimit } from '../async';
import { isLogSearchIncompleteError, isLogSearchTrimmedError } from './errors';
import type { ClaimOutcome, IdempotencyStore, SearchProgress } from './idempotency';
import { findInLog, type LogSearchOptions } from './log-search';
import type { PreparedEvent } from './prepared';
import type { WrittenRecord } from './writer';

export interface RecoverDeps {
  readonly kinesis: KinesisClient;
  readonly store: IdempotencyStore;
  readonly search?: LogSearchOptions;
  readonly warn: (message: string, error: unknown) => void;
}

/** What the log said about each taken-over event. */
export interface Recovery {
  /** Found in the log: answered from there (duplicate), not written. */
  readonly found: Map<number, WrittenRecord>;
  /** Searched to the end and absent: written, marked re-sent since this time (the first claim's). */
  readonly markSince: Map<number, number>;
  /**
   * The search could not decide (shard unreadable in time): not written; the claim is kept uncertain
   * with where the search stopped, so the next retry resumes there.
   */
  readonly undecided: Map<number, SearchProgress>;
  /** The log no longer holds where the search starts (retention lowered): not written, never decidable. */
  readonly trimmed: Set<number>;
}

/**
 * For every claim this request took over (its claimant's write was uncertain, or it died), looks for the
 * event in the log from the key's first claim time to the last lease end of a claimant that may have
 * written (`copiesUntil`: its writer sends nothing after it), resuming where an earlier search stopped,
 * before anything is written again. Found: the claim is
 * completed with that shard and sequence number and the event is answered from it. Absent after a
 * complete search: the event is written, carrying the re-send mark (a copy from a claimant still in
 * flight could yet land, and the mark lets consumers drop one). Undecided (`LogSearchIncompleteError`,
 * Kinesis unreadable): the event is NOT written, since a blind write could add a second unmarked copy.
 */
export const recoverTakenOver = async (
  deps: RecoverDeps,
  streamName: string,
  events: readonly PreparedEvent[],
  outcomes: ReadonlyMap<number, ClaimOutcome>,
): Promise<Recovery> => {
  const recovery: Recovery = {
    found: new Map(),
    markSince: new Map(),
    undecided: new Map(),
    trimmed: new Set(),
  };
  const candidates = events.filter((e) => {
    const outcome = outcomes.get(e.index);
    return outcome?.kind === 'claimed' && outcome.takeover !== undefined;
  });
  await mapLimit(candidates, 4, async (event) => {
    const outcome = outcomes.get(event.index);
    if (outcome?.kind !== 'claimed' || !outcome.takeover || !event.idempotency) return;
    const { partitionkey, id } = event.envelope;
    let record: WrittenRecord | undefined;
    try {
      record = await findInLog(deps.kinesis, streamName, partitionkey, id, outcome.takeover.claimedAt, {
        ...deps.search,
        until: outcome.takeover.copiesUntil,
        ...(outcome.takeover.searched ? { resume: outcome.takeover.searched } : {}),
      });
    } catch (error) {
      deps.warn('log search after an idempotency takeover could not decide; the event is not written', error);
      if (isLogSearchTrimmedError(error)) recovery.trimmed.add(event.index);
      else
        recovery.undecided.set(
          event.index,
          isLogSearchIncompleteError(error) ? error.progress : (outcome.takeover.searched ?? {}),
        );
      return;
    }
    if (!record) {
      recovery.markSince.set(event.index, outcome.takeover.claimedAt);
      return;
    }
    recovery.found.set(event.index, record);
    try {
      await deps.store.complete(event.idempotency.pk, outcome.token, { id, ...record });
    } catch (error) {
      deps.warn('idempotency claim not completed after finding the event in the log', error);
    }
  });
  return recovery;
};
