import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { mapLimit } from '../async';
import { isLogSearchIncompleteError, isLogSearchTrimmedError } from './errors';
import type { ClaimOutcome, IdempotencyStore, SearchProgress } from './idempotency';
import { findRecordsInLog, type LogSearchOptions, wantedOf } from './log-search';
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

type Takeover = NonNullable<Extract<ClaimOutcome, { kind: 'claimed' }>['takeover']>;

/** A taken-over event and what its claim says about where a copy may be. */
interface Candidate {
  readonly event: PreparedEvent;
  readonly token: string;
  readonly pk: string;
  readonly takeover: Takeover;
}

/** Clock skew a window is widened by before two are merged: the log search's own `skewMs` default. */
const MERGE_SKEW_MS = 30_000;

/**
 * Takeovers whose windows of copies overlap (first claim time .. `copiesUntil`, plus skew), earliest
 * first: the keys of one request whose 202 was lost all fall in one group, so its retry reads the shared
 * stretch of each shard once (one GetShardIterator per shard, 5/s per shard) instead of once per key.
 * Keys claimed hours apart stay apart: one search from the earliest would read the hours between, and a
 * lowered retention would call the younger keys undecidable with the oldest.
 */
const groupsOf = (candidates: readonly Candidate[]): Candidate[][] => {
  const sorted = [...candidates].sort((a, b) => a.takeover.claimedAt - b.takeover.claimedAt);
  const groups: Candidate[][] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const c of sorted) {
    const current = groups.at(-1);
    if (current && c.takeover.claimedAt <= end + MERGE_SKEW_MS) {
      current.push(c);
      end = Math.max(end, c.takeover.copiesUntil);
    } else {
      groups.push([c]);
      end = c.takeover.copiesUntil;
    }
  }
  return groups;
};

/**
 * Where a group's search resumes: per shard, the earliest point every member's earlier search reached
 * (a shard some member never read is read from the group's start). Reading from the earliest is a
 * superset of each member's own stretch, so nothing a member still needs is skipped.
 */
const commonResume = (group: readonly Candidate[]): Record<string, string> | undefined => {
  const [first, ...rest] = group;
  const resume: Record<string, string> = {};
  for (const [shard, sequence] of Object.entries(first?.takeover.searched ?? {})) {
    let earliest = BigInt(sequence);
    let everyone = true;
    for (const c of rest) {
      const other = c.takeover.searched?.[shard];
      if (other === undefined) everyone = false;
      else if (BigInt(other) < earliest) earliest = BigInt(other);
    }
    if (everyone) resume[shard] = earliest.toString();
  }
  return Object.keys(resume).length > 0 ? resume : undefined;
};

/**
 * For every claim this request took over (its claimant's write was uncertain, or it died), looks for the
 * event in the log from the key's first claim time to the last lease end of a claimant that may have
 * written (`copiesUntil`: its writer sends nothing after it), resuming where earlier searches stopped,
 * before anything is written again; one search per group of overlapping windows (`groupsOf`), reading
 * each shard once for all its keys. Found: the claim is completed with that shard and sequence number
 * and the event is answered from it. Absent after a complete search: the event is written, carrying the
 * re-send mark (a copy from a claimant still in flight could yet land, and the mark lets consumers drop
 * one). Undecided (`LogSearchIncompleteError`, Kinesis unreadable): an event found before the search
 * stopped is found as above; any other is NOT written, since a blind write could add a second unmarked
 * copy, and its claim keeps where the group's search stopped.
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
  const candidates = events.flatMap((event): Candidate[] => {
    const outcome = outcomes.get(event.index);
    if (outcome?.kind !== 'claimed' || !outcome.takeover || !event.idempotency) return [];
    return [{ event, token: outcome.token, pk: event.idempotency.pk, takeover: outcome.takeover }];
  });
  await mapLimit(groupsOf(candidates), 4, async (group) => {
    const since = Math.min(...group.map((c) => c.takeover.claimedAt));
    const until = Math.max(...group.map((c) => c.takeover.copiesUntil));
    const resume = commonResume(group);
    let found: readonly (WrittenRecord | undefined)[];
    // Set when the search stopped undecided: where it stopped, for the members it did not find.
    let stoppedAt: SearchProgress | undefined;
    try {
      found = await findRecordsInLog(
        deps.kinesis,
        streamName,
        group.map((c) => wantedOf(c.event.envelope)),
        since,
        {
          ...deps.search,
          until,
          ...(resume ? { resume } : {}),
        },
      );
    } catch (error) {
      deps.warn(
        'log search after an idempotency takeover could not decide; events it did not find are not written',
        error,
      );
      if (!isLogSearchIncompleteError(error)) {
        for (const c of group)
          if (isLogSearchTrimmedError(error)) recovery.trimmed.add(c.event.index);
          else recovery.undecided.set(c.event.index, c.takeover.searched ?? {});
        return;
      }
      // Its progress passes what it found: kept as a member's resume point, it would make the retry's
      // search answer that member "absent" and write a second copy. Found is found, decided or not.
      found = error.found;
      stoppedAt = error.progress;
    }
    await mapLimit(
      group.map((c, i) => ({ c, record: found[i] })),
      8,
      async ({ c, record }) => {
        if (!record && stoppedAt) {
          recovery.undecided.set(c.event.index, stoppedAt);
          return;
        }
        if (!record) {
          recovery.markSince.set(c.event.index, c.takeover.claimedAt);
          return;
        }
        recovery.found.set(c.event.index, record);
        try {
          await deps.store.complete(c.pk, c.token, { id: c.event.envelope.id, ...record });
        } catch (error) {
          deps.warn('idempotency claim not completed after finding the event in the log', error);
        }
      },
    );
  });
  return recovery;
};
