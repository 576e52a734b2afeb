import { markResent } from '../envelope';
import { conflictError, inFlightError, storeError } from './claims';
import { IngressError, isLogSearchIncompleteError, isLogSearchTrimmedError } from './errors';
import { type ClaimOutcome, claimLifetimeSeconds, type SearchProgress } from './idempotency';
import { findRecordsInLog, wantedOf } from './log-search';
import type { IdempotencyClaimSpec, PreparedEvent } from './prepared';
import { answerRequest, type Unresolved } from './publish-answer';
import type { PublishDeps, PublishResult } from './publish-deps';
import { type WriteOutcome, type WrittenRecord, writeRecords } from './writer';

type Claimed = Extract<ClaimOutcome, { kind: 'claimed' }>;
type InFlight = Extract<ClaimOutcome, { kind: 'in-flight' }>;
type Warn = (message: string, error: unknown) => void;

const conflict = (claim: IdempotencyClaimSpec, index: number, why: string) =>
  conflictError(claim.display, index, why);

const inFlight = (claim: IdempotencyClaimSpec, outcome: InFlight) =>
  inFlightError(claim.display, 0, outcome.retryAfterSeconds);

/**
 * The events of the request that stand for themselves, and each repeat (same source and id) -> the
 * event it repeats: written once, answered twice, as with keys per event. A repeat with another payload
 * is a conflict (409), the whole request refused.
 */
const distinctEvents = (events: readonly PreparedEvent[], claim: IdempotencyClaimSpec) => {
  const first = new Map<string, PreparedEvent>();
  const repeats = new Map<number, number>();
  for (const event of events) {
    const member = event.batch;
    if (!member) continue;
    const earlier = first.get(member.identity);
    if (!earlier) first.set(member.identity, event);
    else if (earlier.batch?.hash !== member.hash)
      throw conflict(claim, event.index, `repeats the id of event ${earlier.index} with another payload`);
    else repeats.set(event.index, earlier.index);
  }
  return { distinct: [...first.values()], repeats };
};

/** This instance's memory of one event of an acknowledged batch (`AcknowledgedKeys` keys per event). */
const memoryKey = (claim: IdempotencyClaimSpec, event: PreparedEvent) => `${claim.pk}#${event.index}`;

/**
 * Another request holds the key. Answered as a duplicate only when every event is known: from this
 * instance's memory, else from the log over the holder's window (as a single key's pending claim is,
 * `resolvePending` in claims.ts); anything less is 409 with Retry-After, which never writes a copy.
 */
const answerHeld = async (
  deps: PublishDeps,
  streamName: string,
  distinct: readonly PreparedEvent[],
  claim: IdempotencyClaimSpec,
  outcome: InFlight,
  warn: Warn,
): Promise<Map<number, WrittenRecord>> => {
  const now = (deps.writer?.now ?? Date.now)();
  const known = new Map<number, WrittenRecord>();
  for (const e of distinct) {
    const r = deps.acknowledged?.recall(memoryKey(claim, e), claim.payloadHash, now);
    if (r) known.set(e.index, r);
  }
  if (known.size === distinct.length) return known;
  const since = outcome.holder?.since ?? outcome.claimedAt;
  if (since === undefined) throw inFlight(claim, outcome);
  try {
    const until = outcome.holder?.leaseUntil;
    const found = await findRecordsInLog(
      deps.kinesis,
      streamName,
      distinct.map((e) => wantedOf(e.envelope)),
      since,
      { ...deps.search, ...(until === undefined ? {} : { until }) },
    );
    if (found.every((r) => r !== undefined))
      return new Map(distinct.map((e, i) => [e.index, found[i] as WrittenRecord]));
  } catch (error) {
    warn('log search for a pending batch idempotency key could not decide; answered as in flight', error);
  }
  throw inFlight(claim, outcome);
};

/** What the log (and the claim) said about a taken-over batch before anything is written again. */
interface Searched {
  /** Events in the log: found by this search or by earlier ones (`takeover.found`). */
  readonly found: Map<number, WrittenRecord>;
  /** The search could not decide: nothing is written; the claim keeps where to resume and what it found. */
  readonly undecided?: SearchProgress;
  /** The log no longer holds where the search starts: nothing is written, never decidable. */
  readonly trimmed?: boolean;
}

/**
 * The claim was taken over (an earlier request's write was uncertain, or it died): the events earlier
 * searches did not find are looked for in the log over the key's window of copies (first claim ..
 * `copiesUntil`), resuming where those searches stopped, as a single key's takeover is
 * (`recoverTakenOver`). A search that stops undecided keeps its progress AND what it found
 * (`UncertainNote.found`), so the next one resumes past them and looks only for the rest: a search too
 * long for one invocation still finishes over several (review 18, B1: dropping the progress instead
 * re-read the same stretch on every retry).
 */
const searchTakenOver = async (
  deps: PublishDeps,
  streamName: string,
  distinct: readonly PreparedEvent[],
  takeover: NonNullable<Claimed['takeover']>,
  warn: Warn,
): Promise<Searched> => {
  const found = new Map<number, WrittenRecord>();
  for (const [index, record] of Object.entries(takeover.found ?? {})) found.set(Number(index), record);
  const missing = distinct.filter((e) => !found.has(e.index));
  if (missing.length === 0) return { found };
  try {
    const records = await findRecordsInLog(
      deps.kinesis,
      streamName,
      missing.map((e) => wantedOf(e.envelope)),
      takeover.claimedAt,
      {
        ...deps.search,
        until: takeover.copiesUntil,
        ...(takeover.searched ? { resume: takeover.searched } : {}),
      },
    );
    missing.forEach((e, i) => {
      const r = records[i];
      if (r) found.set(e.index, r);
    });
    return { found };
  } catch (error) {
    warn(
      'log search after a batch idempotency takeover could not decide; events it did not find are not written',
      error,
    );
    if (isLogSearchTrimmedError(error)) return { found, trimmed: true };
    if (!isLogSearchIncompleteError(error)) return { found, undecided: takeover.searched ?? {} };
    missing.forEach((e, i) => {
      const r = error.found[i];
      if (r) found.set(e.index, r);
    });
    // Its progress passes what it found: kept together with `found`, never alone.
    return { found, undecided: error.progress };
  }
};

const foundNote = (found: ReadonlyMap<number, WrittenRecord>) =>
  found.size === 0 ? {} : { found: Object.fromEntries([...found].map(([i, r]) => [String(i), r])) };

/**
 * How the claim ends, from what happened to every event:
 * - all in the log, under a fresh claim that wrote them: kept pending, the log records the batch (its
 *   only write: 1 WCU per request), and this instance remembers the answer until the claim may expire;
 * - all in the log after a takeover: recorded done with where each event is (`completeBatch`), so later
 *   repeats are answered from the item without a search or a takeover (review 18, S3);
 * - nothing of this request reached the log, or may have: a fresh claim is released (a retry writes the
 *   batch afresh); a taken-over one is kept uncertain, its window of copies given back, with where its
 *   search stopped and what it found;
 * - some events written or uncertain, others not: kept uncertain with what was found, so the retry takes
 *   it over, finds the rest of what is there and writes only what is missing, marked. Never released: a
 *   retry would write the rest again unmarked.
 * A failed end is only warned about: the claim stays pending until its lease ends and is then taken over
 * as stale, with the same search.
 */
const endClaim = async (
  deps: PublishDeps,
  claim: IdempotencyClaimSpec,
  outcome: Claimed,
  distinct: readonly PreparedEvent[],
  searched: Searched,
  written: WriteOutcome,
  claimedFrom: number,
  warn: Warn,
): Promise<void> => {
  const where = (e: PreparedEvent) => searched.found.get(e.index) ?? written.written.get(e.index);
  const reachedLog =
    written.written.size > 0 || [...written.failed.values()].some((f) => f.uncertain === true);
  const takeover = outcome.takeover;
  try {
    if (distinct.every((e) => where(e) !== undefined)) {
      const expiresAt =
        outcome.expiresAt === undefined
          ? (takeover?.claimedAt ?? claimedFrom) + claimLifetimeSeconds(claim) * 1000
          : outcome.expiresAt * 1000;
      for (const e of distinct) {
        const r = where(e);
        if (r)
          deps.acknowledged?.remember(
            memoryKey(claim, e),
            claim.payloadHash,
            { id: e.envelope.id, ...r },
            expiresAt,
          );
      }
      if (takeover)
        await deps.store.completeBatch(
          claim.pk,
          outcome.token,
          distinct.map((e) => where(e) as WrittenRecord),
        );
      return;
    }
    // What this claimant wrote is in the log too: the next takeover need not look for it.
    const found = foundNote(new Map([...searched.found, ...written.written]));
    if (reachedLog) await deps.store.markUncertain(claim.pk, outcome.token, found);
    else if (takeover) {
      const resume = searched.undecided ?? takeover.searched;
      await deps.store.markUncertain(claim.pk, outcome.token, {
        copiesUntil: takeover.copiesUntil,
        ...(resume ? { searched: resume } : {}),
        ...found,
      });
    } else await deps.store.release(claim.pk, outcome.token);
  } catch (error) {
    warn('batch idempotency claim not ended; the key stays blocked until its lease ends', error);
  }
};

/**
 * `publishEvents` for a request of several events sent with one `Idempotency-Key` (see `BatchMember`):
 * one claim (one conditional write) for the whole request, then the same protocol as a key per event
 * (`IdempotencyStore`), applied to the batch: a fresh claim writes every event; a takeover searches the
 * log first and writes, marked, only the events it did not find; a key another request holds is answered
 * from memory or the log, or 409. The guarantee is the per-event one, per request: while the key lives,
 * no event of it is written unmarked twice. A batch acknowledged at once is recorded by the log alone
 * (its claim is its only write; a completion follows only a takeover, `endClaim`), so the topic's
 * idempotency window must not outlast its retention (checked when the request is prepared).
 */
export const publishBatchClaimed = async (
  deps: PublishDeps,
  streamName: string,
  events: readonly PreparedEvent[],
  claim: IdempotencyClaimSpec,
): Promise<PublishResult[]> => {
  const warn = deps.warn ?? (() => undefined);
  const { distinct, repeats } = distinctEvents(events, claim);
  const clock = deps.writer?.now ?? Date.now;
  const claimedFrom = clock();
  let outcome: ClaimOutcome;
  try {
    outcome = await deps.store.claim(claim);
  } catch (error) {
    throw storeError(error);
  }
  if (outcome.kind === 'conflict')
    throw conflict(claim, 0, 'payload differs from the first request with this key');
  if (outcome.kind === 'batch-done') {
    if (outcome.records.length !== distinct.length)
      throw conflict(claim, 0, 'payload differs from the first request with this key');
    return answerRequest(
      events,
      new Map(
        distinct.map((e, i) => [
          e.index,
          { id: e.envelope.id, ...(outcome.records[i] as WrittenRecord), duplicate: true },
        ]),
      ),
      new Map(),
      repeats,
    );
  }
  if (outcome.kind === 'duplicate') {
    // A batch's claim is completed only as `batch-done`, and its payload hash cannot match a single event's.
    warn('a batch idempotency key was found completed; answered as unavailable', new Error(claim.display));
    throw new IngressError(
      'UNAVAILABLE',
      'The idempotency record of this key is inconsistent; retry later.',
      [],
      2,
    );
  }
  const results = new Map<number, PublishResult>();
  const unresolved = new Map<number, Unresolved | undefined>();
  if (outcome.kind === 'in-flight') {
    const known = await answerHeld(deps, streamName, distinct, claim, outcome, warn);
    for (const e of distinct) {
      const r = known.get(e.index);
      if (r) results.set(e.index, { id: e.envelope.id, ...r, duplicate: true });
    }
  } else {
    const searched: Searched = outcome.takeover
      ? await searchTakenOver(deps, streamName, distinct, outcome.takeover, warn)
      : { found: new Map() };
    const blocked = searched.undecided !== undefined || searched.trimmed === true;
    const toWrite = blocked ? [] : distinct.filter((e) => !searched.found.has(e.index));
    const since = outcome.takeover?.claimedAt;
    const written = await writeRecords(
      deps.kinesis,
      streamName,
      toWrite.map((e) => ({
        index: e.index,
        partitionKey: e.envelope.partitionkey,
        data: since === undefined ? e.bytes : markResent(e.bytes, since),
      })),
      outcome.leaseMs === undefined
        ? deps.writer
        : { ...deps.writer, callsEndBy: claimedFrom + outcome.leaseMs },
    );
    await endClaim(deps, claim, outcome, distinct, searched, written, claimedFrom, warn);
    // Past its lease, another request may have taken the claim over and written: nothing is certain.
    const outlived = outcome.leaseMs !== undefined && clock() >= claimedFrom + outcome.leaseMs;
    for (const e of distinct) {
      const found = searched.found.get(e.index);
      const w = written.written.get(e.index);
      if (found) results.set(e.index, { id: e.envelope.id, ...found, duplicate: true });
      else if (w) results.set(e.index, { id: e.envelope.id, ...w, duplicate: false });
      else if (searched.trimmed)
        unresolved.set(e.index, { code: 'LogTrimmed', throttled: false, uncertain: true, trimmed: true });
      else if (blocked)
        unresolved.set(e.index, { code: 'LogSearchIncomplete', throttled: false, uncertain: true });
      else {
        // After a takeover "not written" is never certain: an earlier claimant's copy may be in the log
        // and not yet visible to the search (review 18, S2). Nor after this claimant outlived its lease:
        // a takeover may have written a copy since (review 18b). The claim is kept either way.
        const failure = written.failed.get(e.index);
        const unsure = (since !== undefined || outlived) && failure;
        unresolved.set(e.index, unsure ? { ...failure, uncertain: true } : failure);
      }
    }
  }
  return answerRequest(events, results, unresolved, repeats);
};
