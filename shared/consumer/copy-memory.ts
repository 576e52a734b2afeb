import { createHash } from 'node:crypto';
import type { Checkpoint, CopyMemory } from './store';

export type { CopyMemory } from './store';

/**
 * How long after its mark (`spineresent`, the time the first attempt left the writer) an unmarked
 * original can still land behind its applied marked re-send. The writer aborts a call after 10 s and
 * stops retrying after 5 attempts (about 55 s with backoff), never past its Lambda's deadline; a
 * request Kinesis had not stored by the time its writer gave up is assumed never stored. 120 s is
 * twice that, in log time (the records' arrival), so a lagging consumer keeps the same window.
 */
export const OVERTAKING_WINDOW_MS = 120_000;

/**
 * At most this many remembered ids per checkpoint item: ~26 bytes each, so a full memory adds ~5 KB
 * to the item, about 5 more WCU (10 in a transaction) per commit of that lane, and only in the window
 * after a lost PutRecords (a request holds up to 500 records, spread over the shards). Past the cap
 * the entry expiring first is evicted and `overflowUntil` covers it: unmarked records arriving before
 * then are checked in the log like marked ones (GetRecords cost and delay, never a double effect).
 */
export const COPY_MEMORY_CAP = 200;

/** 96 bits of SHA-256 over (source, id): a false match between two live ids is out of reach. */
export const memoryKey = (identity: string): string =>
  createHash('sha256').update(identity).digest('base64url').slice(0, 16);

export const isEmptyMemory = (m: CopyMemory | undefined): boolean =>
  m === undefined || (Object.keys(m.ids).length === 0 && m.overflowUntil === undefined);

/** Adds an id; at the cap the entry expiring first leaves and `overflowUntil` takes its place. */
export const remember = (m: CopyMemory | undefined, key: string, expiresAt: number): CopyMemory => {
  const ids = { ...m?.ids, [key]: expiresAt };
  let overflowUntil = m?.overflowUntil;
  const entries = Object.entries(ids).sort(([, a], [, b]) => a - b);
  while (entries.length > COPY_MEMORY_CAP) {
    const [evicted] = entries.splice(0, 1);
    if (evicted) overflowUntil = Math.max(overflowUntil ?? 0, evicted[1]);
  }
  return {
    ids: Object.fromEntries(entries),
    ...(overflowUntil !== undefined && { overflowUntil }),
  };
};

/** Drops what expired before `arrivedAt` (log time); undefined when nothing is left. */
export const prune = (m: CopyMemory | undefined, arrivedAt: number): CopyMemory | undefined => {
  if (!m) return undefined;
  const ids = Object.fromEntries(Object.entries(m.ids).filter(([, until]) => until >= arrivedAt));
  const overflowUntil =
    m.overflowUntil !== undefined && m.overflowUntil >= arrivedAt ? m.overflowUntil : undefined;
  const next = { ids, ...(overflowUntil !== undefined && { overflowUntil }) };
  return isEmptyMemory(next) ? undefined : next;
};

/**
 * One invocation's view of the memories on the checkpoint items it loaded. A memory is written only
 * when it changes (an id added or forgotten, entries expired) and only on an item the commit moves
 * anyway: the normal path writes nothing more.
 */
export class CopyMemories {
  private readonly memories = new Map<string, CopyMemory | undefined>();
  private readonly dirty = new Set<string>();

  constructor(loaded: ReadonlyMap<string, Checkpoint>) {
    for (const [sk, cp] of loaded) if (cp.recentCopies) this.memories.set(sk, cp.recentCopies);
  }

  of(sk: string): CopyMemory | undefined {
    return this.memories.get(sk);
  }

  remember(sk: string, key: string, expiresAt: number): void {
    this.memories.set(sk, remember(this.memories.get(sk), key, expiresAt));
    this.dirty.add(sk);
  }

  /** The original of a remembered copy landed: it cannot land again. */
  forget(sk: string, key: string): void {
    const m = this.memories.get(sk);
    if (m?.ids[key] === undefined) return;
    const { [key]: _gone, ...ids } = m.ids;
    this.memories.set(sk, { ...m, ids });
    this.dirty.add(sk);
  }

  /**
   * What a commit moving `sk` to a record that arrived at `arrivedAt` must write: the pruned memory
   * (`{}` removes it), or undefined when the stored one stays as it is.
   */
  change(sk: string, arrivedAt: number): { readonly memory: CopyMemory | undefined } | undefined {
    const before = this.memories.get(sk);
    if (before === undefined && !this.dirty.has(sk)) return undefined;
    const after = prune(before, arrivedAt);
    const same =
      !this.dirty.has(sk) &&
      after !== undefined &&
      Object.keys(after.ids).length === Object.keys(before?.ids ?? {}).length &&
      after.overflowUntil === before?.overflowUntil;
    return same ? undefined : { memory: after };
  }

  /** After a commit that wrote `sk`'s memory. */
  written(sk: string, memory: CopyMemory | undefined): void {
    this.memories.set(sk, memory);
    this.dirty.delete(sk);
  }
}
