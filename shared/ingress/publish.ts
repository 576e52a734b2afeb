import { mapLimit } from '../async';
import { markResent } from '../envelope';
import {
  type ClaimSet,
  claimAll,
  keepUncertainClaims,
  keepUnwrittenTakeovers,
  type LogLookup,
  releaseClaims,
} from './claims';
import { claimLifetimeSeconds } from './idempotency';
import { findRecordsInLog, wantedOf } from './log-search';
import type { PreparedEvent } from './prepared';
import { answerRequest, type Unresolved, unresolvedError } from './publish-answer';
import { publishBatchClaimed } from './publish-batch';
import type { PublishDeps, PublishResult } from './publish-deps';
import { type Recovery, recoverTakenOver } from './recover';
import { type WrittenRecord, writeRecords } from './writer';

const resultOf = (
  event: PreparedEvent,
  claims: ClaimSet,
  written: ReadonlyMap<number, WrittenRecord>,
  recovered: ReadonlyMap<number, WrittenRecord>,
): PublishResult | undefined => {
  const outcome = claims.outcomes.get(event.index);
  if (outcome?.kind === 'duplicate') return { ...outcome.result, duplicate: true };
  const found = recovered.get(event.index);
  if (found) return { id: event.envelope.id, ...found, duplicate: true };
  const w = written.get(event.index);
  return w ? { id: event.envelope.id, ...w, duplicate: false } : undefined;
};

const recordOf = (event: PreparedEvent, recovery: Recovery) => {
  const since = recovery.markSince.get(event.index);
  return {
    index: event.index,
    partitionKey: event.envelope.partitionkey,
    data: since === undefined ? event.bytes : markResent(event.bytes, since),
  };
};

/**
 * `publishEvents` for a request whose events carry no idempotency key (plain JSON without an id or
 * header): nothing to claim, search, complete or release, so only the write. The general path gives the
 * same answers for such events, through five steps that each find nothing to do; skipping them saved a
 * measured part of the per-request CPU of plain requests (docs/performance.md, "Ingress CPU").
 */
const publishUnclaimed = async (
  deps: PublishDeps,
  streamName: string,
  events: readonly PreparedEvent[],
): Promise<PublishResult[]> => {
  const outcome = await writeRecords(
    deps.kinesis,
    streamName,
    events.map((e) => ({ index: e.index, partitionKey: e.envelope.partitionkey, data: e.bytes })),
    deps.writer,
  );
  const results: PublishResult[] = [];
  const unresolved = new Map<number, Unresolved | undefined>();
  for (const e of events) {
    const w = outcome.written.get(e.index);
    if (w)
      results.push({
        id: e.envelope.id,
        shardId: w.shardId,
        sequenceNumber: w.sequenceNumber,
        duplicate: false,
      });
    else unresolved.set(e.index, outcome.failed.get(e.index));
  }
  if (unresolved.size === 0) return results;
  // Only a failed request lists what was accepted (with each event's index), so it is built only then.
  const accepted = events.flatMap((e) => {
    const w = outcome.written.get(e.index);
    return w ? [{ index: e.index, id: e.envelope.id, ...w, duplicate: false }] : [];
  });
  throw unresolvedError(events, unresolved, accepted);
};

/**
 * Claims idempotency keys, searches the log for events whose claim it took over, writes the new events
 * in as few PutRecords calls as possible, records what was written, and answers one result per event in
 * request order. Events already known are answered from the store or the log (`duplicate: true`) and not
 * written. For events without a result it throws 429/503 with the results of the rest:
 * - certainly not written (Kinesis refused them): their claims are released, "not written";
 * - possibly written (no answer seen, or the log search could not decide): their claims are kept and
 *   marked uncertain, "outcome unknown"; a retry with the same keys searches the log before writing.
 */
export const publishEvents = async (
  deps: PublishDeps,
  streamName: string,
  events: readonly PreparedEvent[],
): Promise<PublishResult[]> => {
  const batchClaim = events[0]?.batch?.claim;
  if (batchClaim) return publishBatchClaimed(deps, streamName, events, batchClaim);
  if (events.every((e) => e.idempotency === undefined)) return publishUnclaimed(deps, streamName, events);
  const warn = deps.warn ?? (() => undefined);
  const lookup: LogLookup = async (pending, since, until) => {
    const found = await findRecordsInLog(
      deps.kinesis,
      streamName,
      pending.map((e) => wantedOf(e.envelope)),
      since,
      {
        ...deps.search,
        ...(until === undefined ? {} : { until }),
      },
    );
    const byIndex = new Map<number, WrittenRecord>();
    pending.forEach((e, i) => {
      const record = found[i];
      if (record) byIndex.set(e.index, record);
    });
    return byIndex;
  };
  const clock = deps.writer?.now ?? Date.now;
  const claimedFrom = clock();
  const claims = await claimAll(deps.store, events, warn, {
    lookup,
    now: clock,
    ...(deps.acknowledged ? { acknowledged: deps.acknowledged } : {}),
  });
  const recovery = await recoverTakenOver(
    { kinesis: deps.kinesis, store: deps.store, warn, ...(deps.search ? { search: deps.search } : {}) },
    streamName,
    events,
    claims.outcomes,
  );
  const toWrite = events.filter(
    (e) =>
      !claims.repeats.has(e.index) &&
      !recovery.found.has(e.index) &&
      !recovery.undecided.has(e.index) &&
      !recovery.trimmed.has(e.index) &&
      claims.outcomes.get(e.index)?.kind !== 'duplicate',
  );
  // Every call ends within the shortest lease this request holds (counted from before its claims, so
  // never later than the store's own lease end): a search for a claimed event then reads only to there.
  let leaseMs = Number.POSITIVE_INFINITY;
  for (const o of claims.outcomes.values())
    if (o.kind === 'claimed' && o.leaseMs !== undefined) leaseMs = Math.min(leaseMs, o.leaseMs);
  const outcome = await writeRecords(
    deps.kinesis,
    streamName,
    toWrite.map((e) => recordOf(e, recovery)),
    Number.isFinite(leaseMs) ? { ...deps.writer, callsEndBy: claimedFrom + leaseMs } : deps.writer,
  );

  await mapLimit(toWrite, 32, async (event) => {
    const claim = claims.outcomes.get(event.index);
    const written = outcome.written.get(event.index);
    if (claim?.kind !== 'claimed' || !written || !event.idempotency) return;
    // The log keeps this event as long as its key lives: the claim stays the key's only write. This
    // instance remembers the answer until the claim item expires (its TTL as the store holds it: a
    // takeover keeps the first claim's), never longer, so a key claimed afresh is never answered from here.
    if (event.idempotency.logRetentionHours !== undefined) {
      const firstClaim = claim.takeover?.claimedAt ?? claimedFrom;
      const expiresAt =
        claim.expiresAt === undefined
          ? firstClaim + claimLifetimeSeconds(event.idempotency) * 1000
          : claim.expiresAt * 1000;
      const { pk, payloadHash } = event.idempotency;
      deps.acknowledged?.remember(pk, payloadHash, { id: event.envelope.id, ...written }, expiresAt);
      return;
    }
    try {
      await deps.store.complete(event.idempotency.pk, claim.token, { id: event.envelope.id, ...written });
    } catch (error) {
      // The event is in the log, so the answer stays 202; the key stays pending until its lease ends.
      warn('idempotency claim not completed after a successful write', error);
    }
  });
  const unresolved = new Map<number, Unresolved | undefined>();
  for (const e of toWrite)
    if (outcome.failed.has(e.index)) unresolved.set(e.index, outcome.failed.get(e.index));
  for (const index of recovery.undecided.keys())
    unresolved.set(index, { code: 'LogSearchIncomplete', throttled: false, uncertain: true });
  for (const index of recovery.trimmed)
    unresolved.set(index, { code: 'LogTrimmed', throttled: false, uncertain: true, trimmed: true });
  const searchedOnly = (e: PreparedEvent) => recovery.undecided.has(e.index) || recovery.trimmed.has(e.index);
  const isUncertain = (e: PreparedEvent) => unresolved.get(e.index)?.uncertain === true;
  const failedEvents = events.filter((e) => unresolved.has(e.index));
  await releaseClaims(
    deps.store,
    failedEvents.filter((e) => !isUncertain(e)),
    claims.outcomes,
    warn,
  );
  await keepUncertainClaims(
    deps.store,
    failedEvents.filter((e) => isUncertain(e) && !searchedOnly(e)),
    claims.outcomes,
    warn,
  );
  await keepUnwrittenTakeovers(recovery.undecided)(
    deps.store,
    failedEvents.filter(searchedOnly),
    claims.outcomes,
    warn,
  );

  const results = new Map<number, PublishResult>();
  for (const event of events) {
    const r = resultOf(event, claims, outcome.written, recovery.found);
    if (r) results.set(event.index, r);
  }
  // A re-write after a takeover that Kinesis refused is not certainly "not written": an earlier
  // claimant's copy may be in the log, not yet visible to the search (review 18, S2). Its claim was kept
  // above (a takeover is never released); only the answer says "outcome unknown".
  // Nor, for an event whose claim this request holds, after it outlived its shortest lease: a takeover
  // may have written a copy since (review 18b: a stalled claimant's release then does nothing). An event
  // without a key has no claim to take over: only this request writes it, so its "not written" stands.
  const outlived = Number.isFinite(leaseMs) && clock() >= claimedFrom + leaseMs;
  const held = (index: number) => claims.outcomes.get(index)?.kind === 'claimed';
  for (const [index, failure] of unresolved)
    if (failure && !failure.uncertain && ((outlived && held(index)) || recovery.markSince.has(index)))
      unresolved.set(index, { ...failure, uncertain: true });
  return answerRequest(events, results, unresolved, claims.repeats);
};
