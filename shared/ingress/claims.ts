import { mapLimit } from '../async';
import type { AcknowledgedKeys } from './acknowledged';
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

/** 409: the key was used with another payload (`display` names the key, `index` the event). */
export const conflictError = (display: string | undefined, index: number, why: string): IngressError =>
  new IngressError(
    'IDEMPOTENCY_CONFLICT',
    `Idempotency key ${display} was already used with a different payload.`,
    [{ index, path: '', message: why }],
  );

/** 409 with Retry-After: another request holds the key. */
export const inFlightError = (
  display: string | undefined,
  index: number,
  retryAfterSeconds: number,
): IngressError =>
  new IngressError(
    'IDEMPOTENCY_IN_FLIGHT',
    `Idempotency key ${display} is being written by another request; retry after a moment.`,
    [{ index, path: '', message: 'another request holds this key' }],
    retryAfterSeconds,
  );

/**
 * Looks for events in the log, all written at or after `since` and, when given, by `until` (epoch ms):
 * found ones by event index. Throws when the search cannot decide.
 */
export type LogLookup = (
  events: readonly PreparedEvent[],
  since: number,
  until?: number,
) => Promise<ReadonlyMap<number, WrittenRecord>>;

/** Where a pending key's answer may come from besides the store: this instance's memory, then the log. */
export interface PendingSources {
  readonly lookup?: LogLookup;
  readonly acknowledged?: AcknowledgedKeys;
  /** The clock `acknowledged` entries expire by. @default Date.now */
  readonly now?: () => number;
}

/**
 * A pending claim of a key recorded by the log alone (`logRetentionHours`) is either a live claimant's
 * still writing or one that wrote and acknowledged without a completion write (the key's only write is
 * its claim): only the log tells them apart, so EVERY such repeat is decided from it, whatever the
 * claim's age. An age threshold (the branch once answered claims younger than 1 s in flight unread)
 * refuses a producer that repeats an acknowledged key sooner than the threshold, and any threshold has
 * that hole on a fast enough path. Found -> a duplicate, answered from the log (and `recordFound`
 * completes the key, its second write unit, paid only by repeated keys). Absent or undecided -> in
 * flight (409 with Retry-After): the claimant may yet write, and a refusal never writes a second copy.
 *
 * Cost, bounded: this instance's memory of keys it acknowledged (`acknowledged`) answers first and reads
 * nothing; Lambda sends a sequential repeat to a warm instance, usually the same one. Otherwise one
 * search per request, for all its pending keys at once (each shard holding one of them read once), over
 * the live claimants' windows only: from the earliest claim time of a live claimant (not the key's first
 * claim, hours back if it was taken over: an earlier claimant's copy is the takeover's own search to
 * find) to the tip, stopping past the latest of their lease ends. A claim seconds old reads one or two
 * GetRecords pages. A burst of concurrent repeats of one key still costs a search each (5 GetRecords/s
 * per shard, shared with the consumers): a throttled search is undecided, so it answers 409, never a
 * write. Kinesis may show an acknowledged record to GetRecords up to about a second late (put-to-get
 * delay), so a repeat on ANOTHER instance within that second can still be answered 409 (Retry-After 1 s).
 */
const resolvePending = async (
  store: IdempotencyStore,
  sources: PendingSources,
  events: readonly PreparedEvent[],
  outcomes: Map<number, ClaimOutcome>,
  warn: (message: string, error: unknown) => void,
): Promise<void> => {
  const now = (sources.now ?? Date.now)();
  let since = Number.POSITIVE_INFINITY;
  let until = Number.NEGATIVE_INFINITY;
  const pending = events.filter((e) => {
    const outcome = outcomes.get(e.index);
    const key = e.idempotency;
    if (outcome?.kind !== 'in-flight' || key?.logRetentionHours === undefined) return false;
    const remembered = sources.acknowledged?.recall(key.pk, key.payloadHash, now);
    if (remembered) {
      outcomes.set(e.index, { kind: 'duplicate', result: remembered });
      return false;
    }
    const from = outcome.holder?.since ?? outcome.claimedAt;
    if (from === undefined) return false;
    since = Math.min(since, from);
    until = Math.max(until, outcome.holder?.leaseUntil ?? Number.POSITIVE_INFINITY);
    return true;
  });
  const lookup = sources.lookup;
  if (!lookup || pending.length === 0) return;
  let found: ReadonlyMap<number, WrittenRecord>;
  try {
    found = await lookup(pending, since, Number.isFinite(until) ? until : undefined);
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
 * event only the log records is answered from this instance's memory or looked up in the log
 * (`pendingSources`, see `resolvePending`). All or nothing: on a conflict
 * (409), an in-flight key (409 with Retry-After) or a store failure (429/503), the claims taken are
 * released before the error is thrown, so nothing of the request is written or left blocking.
 */
export const claimAll = async (
  store: IdempotencyStore,
  events: readonly PreparedEvent[],
  warn: (message: string, error: unknown) => void,
  pendingSources: PendingSources = {},
): Promise<ClaimSet> => {
  const first = new Map<string, PreparedEvent>();
  const repeats = new Map<number, number>();
  for (const event of events) {
    const key = event.idempotency;
    if (!key) continue;
    const earlier = first.get(key.pk);
    if (!earlier) first.set(key.pk, event);
    else if (earlier.idempotency?.payloadHash !== key.payloadHash)
      throw conflictError(
        key.display,
        event.index,
        `repeats the key of event ${earlier.index} with another payload`,
      );
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
  if (failure === undefined) await resolvePending(store, pendingSources, claimEvents, outcomes, warn);
  // `batch-done` is a key a request of several events used (its payload hash can never equal one
  // event's): the same key with another payload, a conflict.
  const blocking = claimEvents.find((e) => {
    const kind = outcomes.get(e.index)?.kind;
    return kind === 'conflict' || kind === 'in-flight' || kind === 'batch-done';
  });
  if (failure === undefined && !blocking) return { outcomes, repeats };

  await releaseClaims(store, claimEvents, outcomes, warn);
  if (failure !== undefined) throw storeError(failure);
  const event = blocking as PreparedEvent;
  const outcome = outcomes.get(event.index);
  if (outcome?.kind === 'conflict' || outcome?.kind === 'batch-done')
    throw conflictError(
      event.idempotency?.display,
      event.index,
      'payload differs from the first request with this key',
    );
  throw inFlightError(
    event.idempotency?.display,
    event.index,
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

const releaseFresh: HeldClaimsAction = /* @__PURE__ */ onHeldClaims(
  (store, pk, claim) => store.release(pk, claim.token),
  'idempotency claim release failed; the key stays blocked until its lease ends',
);

/**
 * Keeps the claims of events whose write may have reached the log, marked uncertain, so the next request
 * with the key takes them over at once and searches the log instead of writing blind. A failed mark
 * leaves the claim pending: the key then answers 409 until its lease ends and is taken over as stale,
 * with the same search.
 */
export const keepUncertainClaims: HeldClaimsAction = /* @__PURE__ */ onHeldClaims(
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
