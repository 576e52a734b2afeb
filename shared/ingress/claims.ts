import { mapLimit } from '../async';
import { IngressError } from './errors';
import type { ClaimOutcome, IdempotencyStore, SearchProgress } from './idempotency';
import type { PreparedEvent } from './prepared';
import type { WrittenRecord } from './writer';

const CLAIM_CONCURRENCY = 32;
/** Batches in flight at once: 500 keys (the largest request) in two rounds of 10 x 25. */
const CLAIM_BATCH_CONCURRENCY = 10;

/** Failures of the idempotency store: 429 when DynamoDB throttles, else 503 (dedupe cannot be promised). */
export const storeError = (error: unknown): IngressError => {
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' && /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(name)
    ? new IngressError('THROTTLED', 'The ingress is throttled; retry later.', [], 1, { cause: error })
    : new IngressError('UNAVAILABLE', 'The log is unavailable; retry later.', [], 2, { cause: error });
};

export interface ClaimSet {
  /** Outcome per event index, for the first event of each key. */
  readonly outcomes: Map<number, ClaimOutcome>;
  /** Later events of the request that repeat an earlier key with the same payload -> that event's index. */
  readonly repeats: Map<number, number>;
}

const conflictError = (event: PreparedEvent, why: string): IngressError =>
  new IngressError(
    'IDEMPOTENCY_CONFLICT',
    `Idempotency key ${event.idempotency?.display} was already used with a different payload.`,
    [{ index: event.index, path: '', message: why }],
  );

/**
 * Looks for events in the log, all written at or after `since` (epoch ms): found ones by event index.
 * Throws when the search cannot decide.
 */
export type LogLookup = (
  events: readonly PreparedEvent[],
  since: number,
) => Promise<ReadonlyMap<number, WrittenRecord>>;

/**
 * A pending claim of a key recorded by the log alone (`logRetentionHours`) is either a live claimant's or
 * a finished one's: the log tells them apart. Found there -> the key is a duplicate, answered from the log.
 * Absent, or the search undecided -> still in flight (the claimant may yet write, and a 409 costs only a
 * retry). Costs a log search only for keys found pending for over a second, which normal traffic never
 * meets.
 */
/**
 * A pending claim younger than this is most likely its claimant still writing (PutRecords takes tens of
 * ms): it is answered in flight without reading the log, so a burst of concurrent duplicates costs no
 * reads (GetRecords is 5 calls/s per shard, shared with every consumer); the producer's retry after
 * Retry-After (1 s) searches.
 */
export const PENDING_SEARCH_MIN_AGE_MS = 1_000;

const resolvePending = async (
  store: IdempotencyStore,
  lookup: LogLookup | undefined,
  events: readonly PreparedEvent[],
  outcomes: Map<number, ClaimOutcome>,
  warn: (message: string, error: unknown) => void,
): Promise<void> => {
  let since = Number.POSITIVE_INFINITY;
  const pending = events.filter((e) => {
    const outcome = outcomes.get(e.index);
    if (outcome?.kind !== 'in-flight' || outcome.claimedAt === undefined) return false;
    if (e.idempotency?.logRetentionHours === undefined) return false;
    if (Date.now() - outcome.claimedAt < PENDING_SEARCH_MIN_AGE_MS) return false;
    since = Math.min(since, outcome.claimedAt);
    return true;
  });
  if (!lookup || pending.length === 0) return;
  let found: ReadonlyMap<number, WrittenRecord>;
  try {
    found = await lookup(pending, since);
  } catch (error) {
    warn('log search for a pending idempotency key could not decide; answered as in flight', error);
    return;
  }
  await mapLimit(pending, CLAIM_CONCURRENCY, async (event) => {
    const record = found.get(event.index);
    if (!record || !event.idempotency) return;
    const result = { id: event.envelope.id, ...record };
    outcomes.set(event.index, { kind: 'duplicate', result });
    // Found: the key's completion is written now (its second write unit, paid only by retried keys), so
    // the next retry is answered from the item instead of reading the shard again.
    await store
      .recordFound(event.idempotency.pk, event.idempotency.payloadHash, result)
      .catch((error: unknown) => warn('idempotency key found in the log but not recorded as done', error));
  });
};

/**
 * Claims the keys of a request (one conditional write each, 32 at a time). A key found pending whose
 * event only the log records is looked up there (`lookup`). All or nothing: on a conflict
 * (409), an in-flight key (409 with Retry-After) or a store failure (429/503), the claims taken are
 * released before the error is thrown, so nothing of the request is written or left blocking.
 */
export const claimAll = async (
  store: IdempotencyStore,
  events: readonly PreparedEvent[],
  warn: (message: string, error: unknown) => void,
  lookup?: LogLookup,
): Promise<ClaimSet> => {
  const first = new Map<string, PreparedEvent>();
  const repeats = new Map<number, number>();
  for (const event of events) {
    const key = event.idempotency;
    if (!key) continue;
    const earlier = first.get(key.pk);
    if (!earlier) first.set(key.pk, event);
    else if (earlier.idempotency?.payloadHash !== key.payloadHash)
      throw conflictError(event, `repeats the key of event ${earlier.index} with another payload`);
    else repeats.set(event.index, earlier.index);
  }

  const outcomes = new Map<number, ClaimOutcome>();
  const claimEvents = [...first.values()];
  let failure: unknown;
  // One call per key, or per batch of keys where the store can (1 write unit per key either way).
  const size = store.claimMany ? Math.max(1, store.claimBatchSize ?? 1) : 1;
  const batches: PreparedEvent[][] = [];
  for (let i = 0; i < claimEvents.length; i += size) batches.push(claimEvents.slice(i, i + size));
  await mapLimit(batches, size > 1 ? CLAIM_BATCH_CONCURRENCY : CLAIM_CONCURRENCY, async (batch) => {
    if (failure !== undefined) return;
    const requests = batch.flatMap((e) => (e.idempotency ? [e.idempotency] : []));
    try {
      const got =
        store.claimMany && batch.length > 1
          ? await store.claimMany(requests)
          : await Promise.all(requests.map((r) => store.claim(r)));
      batch.forEach((event, i) => {
        const outcome = got[i];
        if (outcome) outcomes.set(event.index, outcome);
      });
    } catch (error) {
      failure ??= error;
    }
  });
  if (failure === undefined) await resolvePending(store, lookup, claimEvents, outcomes, warn);
  const blocking = claimEvents.find((e) => {
    const kind = outcomes.get(e.index)?.kind;
    return kind === 'conflict' || kind === 'in-flight';
  });
  if (failure === undefined && !blocking) return { outcomes, repeats };

  await releaseClaims(store, claimEvents, outcomes, warn);
  if (failure !== undefined) throw storeError(failure);
  const event = blocking as PreparedEvent;
  const outcome = outcomes.get(event.index);
  if (outcome?.kind === 'conflict')
    throw conflictError(event, 'payload differs from the first request with this key');
  throw new IngressError(
    'IDEMPOTENCY_IN_FLIGHT',
    `Idempotency key ${event.idempotency?.display} is being written by another request; retry after a moment.`,
    [{ index: event.index, path: '', message: 'another request holds this key' }],
    outcome?.kind === 'in-flight' ? outcome.retryAfterSeconds : 1,
  );
};

type HeldClaim = Extract<ClaimOutcome, { kind: 'claimed' }>;

/** Acts on each claim a request holds among `events` (those whose outcome is `claimed`). */
export type HeldClaimsAction = (
  store: IdempotencyStore,
  events: readonly PreparedEvent[],
  outcomes: ReadonlyMap<number, ClaimOutcome>,
  warn: (message: string, error: unknown) => void,
) => Promise<void>;

/**
 * One mechanism for every end of a held claim: `act` runs on each, 32 at a time. A failed `act` is only
 * warned about (`failure` says what it costs): the claim then stays pending until its lease ends, which
 * delays retries of the key but never lets two writers through.
 */
const onHeldClaims =
  (
    act: (store: IdempotencyStore, pk: string, claim: HeldClaim, index: number) => Promise<void>,
    failure: string,
  ) =>
  async (
    store: IdempotencyStore,
    events: readonly PreparedEvent[],
    outcomes: ReadonlyMap<number, ClaimOutcome>,
    warn: (message: string, error: unknown) => void,
  ): Promise<void> => {
    await mapLimit(events, CLAIM_CONCURRENCY, async (event) => {
      const outcome = outcomes.get(event.index);
      if (outcome?.kind !== 'claimed' || !event.idempotency) return;
      try {
        await act(store, event.idempotency.pk, outcome, event.index);
      } catch (error) {
        warn(failure, error);
      }
    });
  };

/**
 * Ends the claims this request holds among `events` whose write did not happen: a fresh claim is
 * released (deleted), so a retry claims the key at once. A claim this request TOOK OVER is never
 * deleted, only kept uncertain: an earlier request held it and may have written a copy, and deleting
 * the item would forget that, so the next claimant would write a second, unmarked copy. A failed
 * release only delays retries by a lease.
 */
export const releaseClaims: HeldClaimsAction = async (store, events, outcomes, warn) => {
  const takenOver = (e: PreparedEvent) => {
    const outcome = outcomes.get(e.index);
    return outcome?.kind === 'claimed' && outcome.takeover !== undefined;
  };
  await Promise.all([
    releaseFresh(
      store,
      events.filter((e) => !takenOver(e)),
      outcomes,
      warn,
    ),
    keepUnwrittenTakeovers(new Map())(store, events.filter(takenOver), outcomes, warn),
  ]);
};

const releaseFresh: HeldClaimsAction = onHeldClaims(
  (store, pk, claim) => store.release(pk, claim.token),
  'idempotency claim release failed; the key stays blocked until its lease ends',
);

/**
 * Keeps the claims of events whose write may have reached the log, marked uncertain, so the next request
 * with the key takes them over at once and searches the log instead of writing blind. A failed mark
 * leaves the claim pending: the key then answers 409 until its lease ends and is taken over as stale,
 * with the same search.
 */
export const keepUncertainClaims: HeldClaimsAction = onHeldClaims(
  (store, pk, claim) => store.markUncertain(pk, claim.token),
  'idempotency claim not marked uncertain; the key stays blocked until its lease ends',
);

/**
 * `keepUncertainClaims` for claims this request took over and wrote nothing for: the window of copies
 * goes back to what it was before the takeover (a takeover that never writes must not widen what the
 * next search reads), and where this request's search stopped (`searched`, by event index) is kept so the
 * next retry resumes after it. A fresh claim among them is marked uncertain as is.
 */
export const keepUnwrittenTakeovers = (searched: ReadonlyMap<number, SearchProgress>): HeldClaimsAction =>
  onHeldClaims((store, pk, claim, index) => {
    if (!claim.takeover) return store.markUncertain(pk, claim.token);
    const progress = searched.get(index) ?? claim.takeover.searched;
    return store.markUncertain(pk, claim.token, {
      copiesUntil: claim.takeover.copiesUntil,
      ...(progress ? { searched: progress } : {}),
    });
  }, 'idempotency claim not marked uncertain; the key stays blocked until its lease ends');
