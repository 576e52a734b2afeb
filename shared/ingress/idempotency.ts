import type { WrittenRecord } from './writer';

/** What the store knows about a key when a request tries to claim it. */
export type ClaimOutcome =
  | {
      readonly kind: 'claimed';
      readonly token: string;
      /**
       * Set when this claim took over an unfinished one: its lease ran out (the claimant died or stalled)
       * or its claimant recorded that its write was uncertain. The event may be in the log from
       * `claimedAt` on: the key's FIRST claim time (epoch ms, the first claimant's clock), kept through
       * every takeover, so each later claimant searches from the earliest moment a copy could exist.
       */
      readonly takeover?: { readonly claimedAt: number; readonly uncertain: boolean };
    }
  | { readonly kind: 'duplicate'; readonly result: WrittenRecord & { readonly id: string } }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'in-flight'; readonly retryAfterSeconds: number };

export interface ClaimRequest {
  readonly pk: string;
  readonly display: string;
  readonly payloadHash: string;
  readonly windowHours: number;
}

/**
 * Idempotency keys of the ingress (port; DynamoDB adapter in `idempotency-dynamo.ts`).
 *
 * Protocol: `claim` before PutRecords (a conditional write holding the payload hash and a lease),
 * `complete` after Kinesis acknowledged (stores id/shard/sequence so repeats get the same answer),
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
 * overtaken by a stale takeover.
 *
 * Adapters: DynamoDB (`idempotency-dynamo.ts`) and in memory (`idempotency-memory.ts`, one process only),
 * held to the same contract test.
 */
export interface IdempotencyStore {
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  /** Records what was written. Throws `ClaimLostError` when the claim was taken over. */
  complete(pk: string, token: string, result: WrittenRecord & { readonly id: string }): Promise<void>;
  /** Drops a claim whose event was certainly not written; a no-op when the claim is no longer held. */
  release(pk: string, token: string): Promise<void>;
  /**
   * Keeps the claim and records that its event may or may not be in the log, so the next request with
   * the key takes it over at once and searches. Throws `ClaimLostError` when the claim was taken over.
   */
  markUncertain(pk: string, token: string): Promise<void>;
}
