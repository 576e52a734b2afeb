import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { RUNTIME_TABLES } from '../config';
import { type ClaimRequest, claimLifetimeSeconds } from './idempotency';

const KEY = RUNTIME_TABLES.idempotency.partitionKey;
const TTL = RUNTIME_TABLES.idempotency.ttlAttribute;

/** When a claim taken at `at` expires (epoch seconds): the item's TTL, as the store keeps it. */
export const claimExpiresAt = (request: ClaimRequest, at: number): number =>
  Math.ceil(at / 1000) + claimLifetimeSeconds(request);

/**
 * The DynamoDB item of a new claim: pending, with the payload hash, the claimant's token and its lease.
 * About 400 bytes with a 200-character key display, so one write unit (items are billed per started KB).
 */
export const claimItem = (
  request: ClaimRequest,
  token: string,
  at: number,
  leaseMs: number,
): Record<string, AttributeValue> => ({
  [KEY]: { S: request.pk },
  state: { S: 'pending' },
  idempotencyKey: { S: request.display },
  payloadHash: { S: request.payloadHash },
  token: { S: token },
  claimedAt: { N: String(at) },
  leaseUntil: { N: String(at + leaseMs) },
  [TTL]: { N: String(claimExpiresAt(request, at)) },
});
