import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  BatchExecuteStatementCommand,
  type BatchStatementResponse,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { mapLimit } from '../async';
import { claimExpiresAt, claimItem } from './claim-item';
import type { ClaimOutcome, ClaimRequest, UncertainNote } from './idempotency';

/** Keys decided alone at once, when the batch left them undecided. */
const FALLBACK_CONCURRENCY = 4;

/** BatchExecuteStatement's limit of statements per call. */
export const CLAIMS_PER_BATCH = 25;

type ClaimWithToken = (request: ClaimRequest, token: string, at: number) => Promise<ClaimOutcome>;

export interface SingleClaims {
  /** The conditional PutItem of one claim with this token: decides everything, throws what the store throws. */
  readonly claimOne: ClaimWithToken;
  /** Decides a key whose INSERT found an item there (another claim, an expired one, or our own re-sent). */
  readonly afterDuplicate: ClaimWithToken;
  /** Drops a claim held with `token`; a no-op when it is not held. */
  readonly release: (pk: string, token: string) => Promise<void>;
  /** Keeps a claim held with `token` uncertain, with the window of copies it had before. */
  readonly markUncertain: (pk: string, token: string, note: UncertainNote) => Promise<void>;
}

const insertStatement = (tableName: string, item: Record<string, AttributeValue>) => {
  const names = Object.keys(item);
  return {
    Statement: `INSERT INTO "${tableName}" VALUE {${names.map((n) => `'${n}': ?`).join(', ')}}`,
    Parameters: names.map((n) => item[n] as AttributeValue),
  };
};

/**
 * New claims, up to 25 per call, as PartiQL INSERTs in one BatchExecuteStatement: each INSERT is its own
 * non-transactional conditional write (it fails with `DuplicateItem` when the key exists), so a claim
 * costs the 1 write unit of a PutItem, while the per-call CPU of the SDK (serializing, signing, parsing:
 * most of the ingress's CPU per event) is paid once per 25 keys instead of once per key. A batch cannot
 * carry PutItem's expiry condition nor return the item it failed on, so every key the batch did not
 * simply claim is decided alone (`afterDuplicate` or `claimOne`) with the same token: a statement the SDK
 * re-sent after a lost answer then finds its own token and counts as claimed. A failed call (throttled,
 * unanswered) falls back the same way, key by key, 4 at a time; if one of those fails too, the batch's
 * claims are released and the error thrown (the request answers 429/503).
 */
export const batchClaims =
  (client: DynamoDBClient, tableName: string, leaseMs: number, single: SingleClaims) =>
  async (requests: readonly ClaimRequest[], at: number): Promise<ClaimOutcome[]> => {
    const claims = requests.map((request) => ({ request, token: randomUUID() }));
    let responses: readonly BatchStatementResponse[] = [];
    try {
      const out = await client.send(
        new BatchExecuteStatementCommand({
          Statements: claims.map((c) =>
            insertStatement(tableName, claimItem(c.request, c.token, at, leaseMs)),
          ),
        }),
      );
      responses = out.Responses ?? [];
    } catch {
      // Some INSERTs may have taken effect unseen: the single path recognises them by their tokens, and
      // throws what the store throws (throttling, outage) for the caller to answer.
      responses = [];
    }
    // Keys left undecided are decided alone, a few at a time: after a failed call (a throttled or
    // unreachable table) 25 parallel single writes would only deepen the trouble. The first failure ends it.
    let failure: { error: unknown } | undefined;
    const answered = claims.map((c, i) => ({ ...c, response: responses[i] }));
    const outcomes = await mapLimit(answered, FALLBACK_CONCURRENCY, async ({ request, token, response }) => {
      if (response && !response.Error)
        return {
          kind: 'claimed',
          token,
          leaseMs,
          expiresAt: claimExpiresAt(request, at),
        } satisfies ClaimOutcome;
      if (failure) return undefined;
      try {
        return response?.Error?.Code === 'DuplicateItem'
          ? await single.afterDuplicate(request, token, at)
          : await single.claimOne(request, token, at);
      } catch (error) {
        failure ??= { error };
        return undefined;
      }
    });
    if (failure) {
      // All or nothing, as `claimAll` is: every claim of this batch that may be ours (claimed, or never
      // decided: its INSERT may have landed unseen) is let go by its token, or it would block retries of
      // the request for a lease. A conditional delete of an item that is not ours does nothing; a failed
      // one is harmless: the claim then ends with its lease.
      // A takeover is never deleted (that would forget that a copy may already be in the log): it is
      // kept uncertain, with the window it had, so the retry takes it over at once instead of waiting
      // out the lease this batch gave it. A failed mark leaves the key blocked until that lease ends.
      const held = answered.map((a, i) => ({ ...a, o: outcomes[i] }));
      await mapLimit(held, FALLBACK_CONCURRENCY, ({ request, token, o }) => {
        if (o === undefined || (o.kind === 'claimed' && o.takeover === undefined))
          return single.release(request.pk, token).catch(() => undefined);
        if (o.kind !== 'claimed' || !o.takeover) return Promise.resolve(undefined);
        const { copiesUntil, searched } = o.takeover;
        // A takeover holds the claim with its own token, not the batch's.
        return single
          .markUncertain(request.pk, o.token, { copiesUntil, ...(searched ? { searched } : {}) })
          .catch(() => undefined);
      });
      throw failure.error;
    }
    return outcomes.map((o): ClaimOutcome => o ?? { kind: 'in-flight', retryAfterSeconds: 1 });
  };
