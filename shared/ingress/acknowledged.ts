import type { WrittenRecord } from './writer';

/**
 * Keys remembered per instance by default: about 410 B of heap each (key, payload hash, event id, shard,
 * sequence number; measured with 10,000 keys after gc), so about 4-4.5 MB once full. Until then it grows
 * with every key acknowledged: a soak at ~4 events/s fills it in ~40 minutes (docs/performance.md).
 */
const DEFAULT_CAPACITY = 10_000;

/** What an instance remembers of a key it acknowledged without completing its claim. */
export type AcknowledgedResult = WrittenRecord & { readonly id: string };

/**
 * The keys this ingress instance acknowledged (202) whose claim stays pending, because the log alone
 * records their event (no completion write). Lambda sends a producer's sequential repeat to a warm
 * instance, usually the same one, so this answers it without reading the shard (GetRecords is 5 calls/s
 * per shard, shared with every consumer). It only ever stands IN FRONT of the log search, never instead
 * of it: another instance, a cold start or an evicted entry still searches. An entry expires when its
 * claim may expire (`expiresAt`, the claim's own lifetime counted from before the claim), so a key
 * claimed afresh in a later window is never answered with an older window's record. Oldest entries are
 * dropped past `capacity`; losing one costs a search, never a wrong answer.
 */
export interface AcknowledgedKeys {
  remember(pk: string, payloadHash: string, result: AcknowledgedResult, expiresAt: number): void;
  /** The record this instance acknowledged for the key and payload, if it still remembers it at `now`. */
  recall(pk: string, payloadHash: string, now: number): AcknowledgedResult | undefined;
}

interface Entry {
  readonly payloadHash: string;
  readonly result: AcknowledgedResult;
  readonly expiresAt: number;
}

/** `AcknowledgedKeys` in this process's memory, bounded to `capacity` keys (insertion order). */
export const createAcknowledgedKeys = (capacity = DEFAULT_CAPACITY): AcknowledgedKeys => {
  const entries = new Map<string, Entry>();
  return {
    remember(pk, payloadHash, result, expiresAt) {
      entries.delete(pk);
      entries.set(pk, { payloadHash, result, expiresAt });
      for (const oldest of entries.keys()) {
        if (entries.size <= capacity) break;
        entries.delete(oldest);
      }
    },
    recall(pk, payloadHash, now) {
      const entry = entries.get(pk);
      if (!entry) return undefined;
      if (entry.expiresAt <= now) {
        entries.delete(pk);
        return undefined;
      }
      return entry.payloadHash === payloadHash ? entry.result : undefined;
    },
  };
};
