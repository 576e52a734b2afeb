import { randomUUID } from 'node:crypto';
import { ClaimLostError } from './errors';
import type { ClaimOutcome, ClaimRequest, IdempotencyStore } from './idempotency';
import type { WrittenRecord } from './writer';

export interface MemoryIdempotencyOptions {
  /** How long an unfinished claim blocks others. @default 60_000 */
  readonly leaseMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly payloadHash: string;
  readonly token: string;
  readonly claimedAt: number;
  readonly leaseUntil: number;
  /** Epoch seconds, like the DynamoDB TTL attribute. */
  readonly expiresAt: number;
  readonly result?: WrittenRecord & { readonly id: string };
}

/**
 * In-memory adapter of `IdempotencyStore` with the DynamoDB adapter's semantics (lease, window, takeover
 * of a stale claim of the same payload), for unit tests and single-process tools. Dedupe holds only within
 * the process and its memory grows with the keys of the window: never use it behind a real ingress.
 */
export const createMemoryIdempotencyStore = (options: MemoryIdempotencyOptions = {}): IdempotencyStore => {
  const leaseMs = options.leaseMs ?? 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const claim = async (request: ClaimRequest): Promise<ClaimOutcome> => {
    const at = now();
    const old = entries.get(request.pk);
    const expired = old !== undefined && old.expiresAt < Math.floor(at / 1000);
    const stale =
      old !== undefined &&
      !expired &&
      !old.result &&
      old.leaseUntil < at &&
      old.payloadHash === request.payloadHash;
    if (old && !expired && !stale) {
      if (old.payloadHash !== request.payloadHash) return { kind: 'conflict' };
      if (old.result) return { kind: 'duplicate', result: old.result };
      return { kind: 'in-flight', retryAfterSeconds: 1 };
    }
    const token = randomUUID();
    entries.set(request.pk, {
      payloadHash: request.payloadHash,
      token,
      claimedAt: at,
      leaseUntil: at + leaseMs,
      expiresAt: Math.ceil(at / 1000) + request.windowHours * 3600,
    });
    return stale && old
      ? { kind: 'claimed', token, takeover: { claimedAt: old.claimedAt } }
      : { kind: 'claimed', token };
  };

  return {
    claim,
    async complete(pk, token, result) {
      const entry = entries.get(pk);
      // Same as DynamoDB's failed condition: the claim was taken over, so this claimant no longer owns it.
      if (entry?.token !== token) throw new ClaimLostError(pk);
      entries.set(pk, { ...entry, result });
    },
    async release(pk, token) {
      if (entries.get(pk)?.token === token) entries.delete(pk);
    },
  };
};
