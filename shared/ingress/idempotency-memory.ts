import { randomUUID } from 'node:crypto';
import { ClaimLostError } from './errors';
import {
  type ClaimOutcome,
  type ClaimRequest,
  claimLifetimeSeconds,
  type FoundRecords,
  type IdempotencyStore,
  type SearchProgress,
} from './idempotency';
import type { WrittenRecord } from './writer';

export interface MemoryIdempotencyOptions {
  /** How long an unfinished claim blocks others. @default 60_000 */
  readonly leaseMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly payloadHash: string;
  readonly token: string;
  /** The key's first claim time, kept through takeovers. */
  readonly claimedAt: number;
  /** When the live claimant took its claim (the first claim time, or its takeover's). */
  readonly heldSince: number;
  readonly leaseUntil: number;
  /** The latest lease end of a claimant that may have written. */
  readonly copiesUntil: number;
  readonly searched?: SearchProgress;
  readonly found?: FoundRecords;
  /** Epoch seconds, like the DynamoDB TTL attribute. */
  readonly expiresAt: number;
  readonly uncertain: boolean;
  readonly result?: WrittenRecord & { readonly id: string };
  readonly records?: readonly WrittenRecord[];
}

/**
 * In-memory adapter of `IdempotencyStore` with the DynamoDB adapter's semantics (lease, window, takeover
 * of an uncertain or stale claim of the same payload keeping the first claim time), for unit tests and
 * single-process tools. Dedupe holds only within the process and its memory grows with the keys of the
 * window: never use it behind a real ingress.
 */
export const createMemoryIdempotencyStore = (options: MemoryIdempotencyOptions = {}): IdempotencyStore => {
  const leaseMs = options.leaseMs ?? 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const claim = async (request: ClaimRequest): Promise<ClaimOutcome> => {
    const at = now();
    const old = entries.get(request.pk);
    const token = randomUUID();
    if (!old || old.expiresAt < Math.floor(at / 1000)) {
      const expiresAt = Math.ceil(at / 1000) + claimLifetimeSeconds(request);
      entries.set(request.pk, {
        payloadHash: request.payloadHash,
        token,
        claimedAt: at,
        heldSince: at,
        leaseUntil: at + leaseMs,
        copiesUntil: at + leaseMs,
        expiresAt,
        uncertain: false,
      });
      return { kind: 'claimed', token, leaseMs, expiresAt };
    }
    if (old.payloadHash !== request.payloadHash) return { kind: 'conflict' };
    if (old.result) return { kind: 'duplicate', result: old.result };
    if (old.records) return { kind: 'batch-done', records: old.records };
    if (!old.uncertain && old.leaseUntil >= at)
      return {
        kind: 'in-flight',
        retryAfterSeconds: 1,
        claimedAt: old.claimedAt,
        holder: { since: old.heldSince, leaseUntil: old.leaseUntil },
      };
    const leaseUntil = at + leaseMs;
    entries.set(request.pk, {
      ...old,
      token,
      heldSince: at,
      leaseUntil,
      copiesUntil: leaseUntil,
      uncertain: false,
    });
    const takeover = {
      claimedAt: old.claimedAt,
      uncertain: old.uncertain,
      copiesUntil: old.copiesUntil,
      ...(old.searched ? { searched: old.searched } : {}),
      ...(old.found ? { found: old.found } : {}),
    };
    return { kind: 'claimed', token, leaseMs, expiresAt: old.expiresAt, takeover };
  };

  const owned = (pk: string, token: string): Entry => {
    const entry = entries.get(pk);
    // Same as DynamoDB's failed condition: the claim was taken over, so this claimant no longer owns it.
    if (entry?.token !== token) throw new ClaimLostError(pk);
    return entry;
  };

  return {
    claim,
    async complete(pk, token, result) {
      entries.set(pk, { ...owned(pk, token), result, uncertain: false });
    },
    async completeBatch(pk, token, records) {
      entries.set(pk, { ...owned(pk, token), records: [...records], uncertain: false });
    },
    async markUncertain(pk, token, note) {
      const defined = Object.fromEntries(Object.entries(note ?? {}).filter(([, v]) => v !== undefined));
      entries.set(pk, { ...owned(pk, token), uncertain: true, ...defined });
    },
    async recordFound(pk, payloadHash, result) {
      const entry = entries.get(pk);
      if (entry && !entry.result && !entry.records && entry.payloadHash === payloadHash)
        entries.set(pk, { ...entry, result, uncertain: false });
    },
    async release(pk, token) {
      const entry = entries.get(pk);
      // A completed key is never dropped: its event is in the log.
      if (entry?.token === token && !entry.result && !entry.records) entries.delete(pk);
    },
  };
};
