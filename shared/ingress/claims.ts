import { mapLimit } from '../async';
import { IngressError } from './errors';
import type { ClaimOutcome, IdempotencyStore } from './idempotency';
import type { PreparedEvent } from './prepared';

const CLAIM_CONCURRENCY = 32;

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
 * Claims the keys of a request (one conditional write each, 32 at a time). All or nothing: on a conflict
 * (409), an in-flight key (409 with Retry-After) or a store failure (429/503), the claims taken are
 * released before the error is thrown, so nothing of the request is written or left blocking.
 */
export const claimAll = async (
  store: IdempotencyStore,
  events: readonly PreparedEvent[],
  warn: (message: string, error: unknown) => void,
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
  await mapLimit(claimEvents, CLAIM_CONCURRENCY, async (event) => {
    if (failure !== undefined || !event.idempotency) return;
    try {
      outcomes.set(event.index, await store.claim(event.idempotency));
    } catch (error) {
      failure ??= error;
    }
  });
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
    act: (store: IdempotencyStore, pk: string, token: string) => Promise<void>,
    failure: string,
  ): HeldClaimsAction =>
  async (store, events, outcomes, warn) => {
    await mapLimit(events, CLAIM_CONCURRENCY, async (event) => {
      const outcome = outcomes.get(event.index);
      if (outcome?.kind !== 'claimed' || !event.idempotency) return;
      try {
        await act(store, event.idempotency.pk, outcome.token);
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
    keepUncertainClaims(store, events.filter(takenOver), outcomes, warn),
  ]);
};

const releaseFresh: HeldClaimsAction = onHeldClaims(
  (store, pk, token) => store.release(pk, token),
  'idempotency claim release failed; the key stays blocked until its lease ends',
);

/**
 * Keeps the claims of events whose write may have reached the log, marked uncertain, so the next request
 * with the key takes them over at once and searches the log instead of writing blind. A failed mark
 * leaves the claim pending: the key then answers 409 until its lease ends and is taken over as stale,
 * with the same search.
 */
export const keepUncertainClaims: HeldClaimsAction = onHeldClaims(
  (store, pk, token) => store.markUncertain(pk, token),
  'idempotency claim not marked uncertain; the key stays blocked until its lease ends',
);
