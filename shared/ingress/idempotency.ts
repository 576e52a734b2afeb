import type { WrittenRecord } from './writer';

/**
 * How far a log search for one key's event has read without finding it: shard id -> the last sequence
 * number read. Kept in the claim so the next retry resumes there instead of reading the same records again.
 */
export type SearchProgress = Readonly<Record<string, string>>;

/**
 * Events of a request keyed as a whole (one claim for several events) that a log search found, by the
 * event's place in the request: kept in the claim, so a later search looks only for the others and may
 * resume past these.
 */
export type FoundRecords = Readonly<Record<string, WrittenRecord>>;

/** What the store knows about a key when a request tries to claim it. */
export type ClaimOutcome =
  | {
      readonly kind: 'claimed';
      readonly token: string;
      /**
       * How long this claim's lease lasts from when it was taken (ms): its writer sends nothing after it
       * ends, so a log search for the key's event need not read past it (see `IdempotencyStore`).
       */
      readonly leaseMs?: number;
      /**
       * When the claim item expires (epoch seconds, its TTL as the store holds it): a fresh claim's own,
       * a takeover's the key's FIRST claim's (a takeover keeps it). Nothing may stand for the claim's
       * answer past it (`AcknowledgedKeys`): the key may be claimed afresh after it.
       */
      readonly expiresAt?: number;
      /**
       * Set when this claim took over an unfinished one: its lease ran out (the claimant died or stalled)
       * or its claimant recorded that its write was uncertain. The event may be in the log from
       * `claimedAt` on: the key's FIRST claim time (epoch ms, the first claimant's clock), kept through
       * every takeover, so each later claimant searches from the earliest moment a copy could exist.
       */
      readonly takeover?: {
        readonly claimedAt: number;
        readonly uncertain: boolean;
        /**
         * The latest lease end of any earlier claimant that may have written (epoch ms): no copy of the
         * event arrived after it (plus clock skew). A claimant that wrote nothing gives it back unchanged.
         */
        readonly copiesUntil: number;
        /** Where earlier searches for this key stopped without finding the event. */
        readonly searched?: SearchProgress;
        /** A request keyed as a whole: the events earlier searches found (`UncertainNote.found`). */
        readonly found?: FoundRecords;
      };
    }
  | { readonly kind: 'duplicate'; readonly result: WrittenRecord & { readonly id: string } }
  /** A request keyed as a whole, recorded done (`completeBatch`): where each of its events is. */
  | { readonly kind: 'batch-done'; readonly records: readonly WrittenRecord[] }
  | { readonly kind: 'conflict' }
  | {
      readonly kind: 'in-flight';
      readonly retryAfterSeconds: number;
      /** The key's first claim time (epoch ms), when the store knows it. */
      readonly claimedAt?: number;
      /**
       * When the live claimant took its claim (epoch ms; the first claim time unless it took the key
       * over) and when its lease ends: the only stretch in which it can write, so a repeat's log search
       * for its event reads from there (less clock skew) to the tip, never the key's whole history.
       */
      readonly holder?: { readonly since: number; readonly leaseUntil: number };
    };

export interface ClaimRequest {
  readonly pk: string;
  readonly display: string;
  readonly payloadHash: string;
  readonly windowHours: number;
  /** See `IdempotencyClaimSpec.logRetentionHours`: bounds how long the key is remembered. */
  readonly logRetentionHours?: number;
}

/**
 * A key recorded by the log alone is forgotten this long before its record may leave the log (when the
 * window equals the retention): a claim must never outlive the record it stands for, or a late retry
 * would find neither a completion nor the record and write a second copy. Clock skew between the ingress
 * and Kinesis is milliseconds; a minute is ample and costs a 24 h window one minute.
 */
export const LOG_EDGE_SECONDS = 60;

/** How long a claim of `request` lives, in seconds: its window, cut so the log still holds its record. */
export const claimLifetimeSeconds = (request: ClaimRequest): number => {
  const window = request.windowHours * 3600;
  return request.logRetentionHours === undefined
    ? window
    : Math.min(window, request.logRetentionHours * 3600 - LOG_EDGE_SECONDS);
};

/**
 * Idempotency keys of the ingress (port; DynamoDB adapter in `idempotency-dynamo.ts`).
 *
 * Protocol: `claim` before PutRecords (a conditional write holding the payload hash and a lease),
 * `complete` after Kinesis acknowledged (stores id/shard/sequence so repeats get the same answer) unless
 * the log itself keeps the event as long as the key (`logRetentionHours`): then the claim is the key's
 * only write, and a request that finds it pending (`in-flight`) searches the log over the live claimant's
 * window (`holder`), whatever the claim's age (found: a duplicate, answered from the log; absent: in
 * flight, or taken over once the lease ends, as below),
 * `release` only when the write certainly failed (Kinesis answered and rejected it), and `markUncertain`
 * when the writer could not see whether Kinesis stored it (timeouts, 5xx): the claim then stays.
 *
 * Exact guarantee, for events with an idempotency key, within the key's window: while the key's claim
 * lives, no request writes the event to the log UNMARKED more than once. Any further copy exists only
 * after an attempt whose outcome was unknown or a claimant that died, and carries the re-send mark
 * (`spineresent`, set to a time no later than the first copy's arrival), which consumers use to drop
 * it. How:
 * - a claim whose write is uncertain, or whose lease ran out, is taken over by the next request with
 *   the same payload (`takeover`); that request first searches the log from the FIRST claim time
 *   (kept through every takeover): found -> it completes the claim from the log and answers it as a
 *   duplicate; searched to the end and absent -> it writes the event, marked; the search could not
 *   decide -> it writes nothing, marks the claim uncertain again and answers 503;
 * - the ingress answers "not written" only for events Kinesis certainly did not store; for the others
 *   it answers 503 "outcome unknown", and the producer's retry with the same key is safe.
 * - each conditional write recognises its own earlier attempt (the SDK re-sends after a lost answer),
 *   by the claim token, instead of reading it as another claimant's.
 * Not covered: the claim store itself failing to record the uncertainty (the claim then stays pending
 * until its lease ends and is taken over as stale, with the same search), the window passing (the key
 * is forgotten), and events without an idempotency key (plain JSON with generated ids): those cannot be
 * deduplicated at the ingress, and an uncertain write is answered 503 "outcome unknown", whose retry
 * makes a new event. The lease must exceed the ingress Lambda timeout, so a live claimant is never
 * overtaken by a stale takeover; the ingress's writer also ends every call within its claims' lease, so
 * copies of a key's event can only arrive up to `copiesUntil` (the last lease end of a claimant that may
 * have written) and a search stops there. A search that finds the event of a key someone else holds
 * records it done (`recordFound`); one that cannot finish keeps where it stopped (`markUncertain`'s note);
 * one whose start the stream no longer holds (retention lowered) decides nothing and writes nothing.
 *
 * Adapters: DynamoDB (`idempotency-dynamo.ts`) and in memory (`idempotency-memory.ts`, one process only),
 * held to the same contract test.
 */
/**
 * What a claimant leaves in the claim it keeps uncertain: one that wrote nothing gives the window of
 * copies back (`copiesUntil`) with where its search stopped (`searched`); a request keyed as a whole
 * keeps the events found so far (`found`, replacing the claim's). Absent members leave the claim's as they are.
 */
export interface UncertainNote {
  readonly copiesUntil?: number;
  readonly searched?: SearchProgress;
  readonly found?: FoundRecords;
}

export interface IdempotencyStore {
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  /**
   * `claim` for several keys at once (distinct `pk`s), outcomes in request order: an adapter whose calls
   * carry a fixed cost (the SDK's) claims many keys per call. At most `claimBatchSize` per call.
   */
  claimMany?(requests: readonly ClaimRequest[]): Promise<ClaimOutcome[]>;
  readonly claimBatchSize?: number;
  /** Records what was written. Throws `ClaimLostError` when the claim was taken over. */
  complete(pk: string, token: string, result: WrittenRecord & { readonly id: string }): Promise<void>;
  /**
   * `complete` for a request keyed as a whole: where each of its events is, in request order (ids come
   * from the request). Later claims of the key answer `batch-done`. Throws `ClaimLostError` when the
   * claim was taken over.
   */
  completeBatch(pk: string, token: string, records: readonly WrittenRecord[]): Promise<void>;
  /** Drops a claim whose event was certainly not written; a no-op when the claim is no longer held. */
  release(pk: string, token: string): Promise<void>;
  /**
   * Keeps the claim and records that its event may or may not be in the log, so the next request with
   * the key takes it over at once and searches. Throws `ClaimLostError` when the claim was taken over.
   * `note` (see `UncertainNote`): a claimant that TOOK the claim over and wrote nothing gives the window of
   * copies back (`copiesUntil`) and keeps where its search stopped (`searched`).
   */
  markUncertain(pk: string, token: string, note?: UncertainNote): Promise<void>;
  /**
   * Records that a log search found the event of a key whose claim someone else holds (pending, same
   * payload), so the next retry is answered from the item without reading the log: the key's second
   * write, paid only by keys that are retried. A no-op when the item is no longer pending.
   */
  recordFound(
    pk: string,
    payloadHash: string,
    result: WrittenRecord & { readonly id: string },
  ): Promise<void>;
}
