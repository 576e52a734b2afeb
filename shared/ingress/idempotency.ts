import type { WrittenRecord } from './writer';

/** What the store knows about a key when a request tries to claim it. */
export type ClaimOutcome =
  | {
      readonly kind: 'claimed';
      readonly token: string;
      /**
       * Set when this claim took over an unfinished claim whose lease ran out: that claimant may have
       * written the event before it died, at or after `claimedAt` (epoch ms, the claimant's clock).
       */
      readonly takeover?: { readonly claimedAt: number };
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
 * Protocol: `claim` before PutRecords (a conditional put holding the payload hash and a lease),
 * `complete` after Kinesis acknowledged (stores id/shard/sequence so repeats get the same answer),
 * `release` when the write finally failed (so retrying the whole request is safe at once).
 *
 * Guarantee: a key is written to the log at most once while its claim lives, provided the claimant
 * finishes (complete or release) within the lease. A claimant can die or stall after Kinesis acknowledged
 * but before `complete` succeeded (Lambda timeout, DynamoDB failing at that instant); once the lease
 * expires, a retry takes the stale claim over (`takeover` says so) and the ingress first looks for the
 * event id in the log from the stale claim's time on (`findInLog`), completing the claim with what it
 * finds instead of writing again. Only when that search cannot finish (Kinesis unavailable, bounds hit)
 * is the event written a second time; it then carries the same event id (producer id, or the id derived
 * from the Idempotency-Key), so consumers that dedupe by id still apply it once. The lease must exceed
 * the ingress Lambda timeout, so a live claimant is never overtaken.
 *
 * Adapters: DynamoDB (`idempotency-dynamo.ts`) and in memory (`idempotency-memory.ts`, one process only),
 * held to the same contract test.
 */
export interface IdempotencyStore {
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  complete(pk: string, token: string, result: WrittenRecord & { readonly id: string }): Promise<void>;
  release(pk: string, token: string): Promise<void>;
}
