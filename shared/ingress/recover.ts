import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { mapLimit } from './claims';
import type { ClaimOutcome, IdempotencyStore } from './idempotency';
import { findInLog, type LogSearchOptions } from './log-search';
import type { PreparedEvent } from './prepared';
import type { WrittenRecord } from './writer';

export interface RecoverDeps {
  readonly kinesis: KinesisClient;
  readonly store: IdempotencyStore;
  readonly search?: LogSearchOptions;
  readonly warn: (message: string, error: unknown) => void;
}

/**
 * For every claim this request took over from a claimant that died (`takeover`), looks for the event in
 * the log before it is written again. Found: the claim is completed with that shard and sequence number
 * and the event is answered from it, so a crash between PutRecords and `complete` never yields a second
 * record. Not found: the event is written as usual. Search failed: the event is written too (the old
 * at-least-once behaviour, same event id) and the failure is reported, because refusing would block the
 * key for good if the log stays unreadable.
 */
export const recoverTakenOver = async (
  deps: RecoverDeps,
  streamName: string,
  events: readonly PreparedEvent[],
  outcomes: ReadonlyMap<number, ClaimOutcome>,
): Promise<Map<number, WrittenRecord>> => {
  const found = new Map<number, WrittenRecord>();
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
      record = await findInLog(
        deps.kinesis,
        streamName,
        partitionkey,
        id,
        outcome.takeover.claimedAt,
        deps.search,
      );
    } catch (error) {
      deps.warn('log search after an idempotency takeover failed; writing the event again', error);
      return;
    }
    if (!record) return;
    found.set(event.index, record);
    try {
      await deps.store.complete(event.idempotency.pk, outcome.token, { id, ...record });
    } catch (error) {
      deps.warn('idempotency claim not completed after finding the event in the log', error);
    }
  });
  return found;
};
