import type { WrittenRecord } from './writer';

/** What the store knows about a key when a request tries to claim it. */
export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly token: string }
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
 * finishes (complete or release) within the lease. The one window for a second record is a claimant that
 * dies or stalls after Kinesis acknowledged but before `complete` succeeded (Lambda timeout, DynamoDB
 * failing at that instant): after the lease expires a retry takes the stale claim over and writes again.
 * That second record carries the same event id (producer id, or the id derived from the
 * Idempotency-Key), so consumers that dedupe by id still apply it once. The lease must exceed the
 * ingress Lambda timeout, so a live claimant is never overtaken.
 */
export interface IdempotencyStore {
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  complete(pk: string, token: string, result: WrittenRecord & { readonly id: string }): Promise<void>;
  release(pk: string, token: string): Promise<void>;
}
