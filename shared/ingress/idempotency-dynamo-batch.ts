import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  BatchExecuteStatementCommand,
  type BatchStatementResponse,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { claimItem } from './claim-item';
import type { ClaimOutcome, ClaimRequest } from './idempotency';

/** BatchExecuteStatement's limit of statements per call. */
export const CLAIMS_PER_BATCH = 25;

type ClaimWithToken = (request: ClaimRequest, token: string, at: number) => Promise<ClaimOutcome>;

export interface SingleClaims {
  /** The conditional PutItem of one claim with this token: decides everything, throws what the store throws. */
  readonly claimOne: ClaimWithToken;
  /** Decides a key whose INSERT found an item there (another claim, an expired one, or our own re-sent). */
  readonly afterDuplicate: ClaimWithToken;
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
 * unanswered) falls back the same way, key by key.
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
    return Promise.all(
      claims.map(({ request, token }, i): Promise<ClaimOutcome> | ClaimOutcome => {
        const response = responses[i];
        if (response && !response.Error) return { kind: 'claimed', token };
        return response?.Error?.Code === 'DuplicateItem'
          ? single.afterDuplicate(request, token, at)
          : single.claimOne(request, token, at);
      }),
    );
  };
