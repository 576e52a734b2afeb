import { parseCheckpointSk } from '../layout';
import type { StateItem } from './state-ops';

/** Sequence numbers (padded or not) in numeric order; store.ts has the same, but imports this module's types. */
const compareSequence = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Position fences on state items (docs/consumer-single-item.md). Every runtime write to a state table
 * records, per unit (one checkpoint item: `<topic>|<checkpoint sk>`), the sequence number of the last
 * event of that unit applied to the item, and is conditional on it being below the event's. All of it
 * lives in `spine:*` attributes that no reader outside the runtime sees (`userView`).
 */

/** Attributes starting with this are the runtime's; a handler may not write one. */
export const RESERVED_PREFIX = 'spine:';
export const FENCE_PREFIX = 'spine:fence:';
/** String set of the units with a fence on the item: lets a condition say "only mine" without a read. */
export const UNITS_ATTR = 'spine:units';
/** `true` on a tombstone: a fenced delete keeps the key and the fences, and reads back as absent. */
export const DELETED_ATTR = 'spine:deleted';
/**
 * Units an `update` leaves on an item without a read. Past it the store reads the item and prunes the
 * fences their own checkpoints have passed (a shared counter written from many shards over reshards).
 */
export const MAX_FENCE_UNITS = 8;

/** One unit's share of a write: its events in this write run from `first` to `last`. */
export interface FenceEntry {
  readonly unit: string;
  readonly first: string;
  readonly last: string;
  /**
   * Condition only: the write requires the unit's fence below `first` but neither writes nor counts
   * it (key mode over records an earlier shard-mode invocation may have written alone; review F2).
   */
  readonly conditionOnly?: boolean;
}

/** The fences a write leaves on its item (condition-only ones are tested, not written). */
export const writtenFences = (fences: readonly FenceEntry[] | undefined): FenceEntry[] =>
  (fences ?? []).filter((f) => f.conditionOnly !== true);

/** An item as the runtime reads it: what the user sees, and the fences beside it (padded). */
export interface FencedRead {
  readonly item: StateItem | undefined;
  readonly fences: ReadonlyMap<string, string>;
}

export const unitOf = (topic: string, sk: string): string => `${topic}|${sk}`;

/** The unit's topic and checkpoint sk (topics never hold `|`: catalog names are [a-z0-9-]). */
export const unitParts = (unit: string): { topic: string; sk: string } => {
  const at = unit.indexOf('|');
  return { topic: unit.slice(0, at), sk: unit.slice(at + 1) };
};

export const fenceAttr = (unit: string): string => `${FENCE_PREFIX}${unit}`;

/**
 * A sequence number as stored in a fence: its digit count in 3 digits, then the digits. Kinesis
 * sequence numbers match `0|([1-9]\d{0,128})` (no leading zero, up to 129 digits), so a longer one is
 * a larger one, and DynamoDB's string `<` (byte order) on this form is the numeric order whatever the
 * lengths. 3 bytes per fence, where padding to 129 digits would cost up to 73.
 */
export const padSeq = (seq: string): string => `${String(seq.length).padStart(3, '0')}${seq}`;

/** The sequence number a stored fence holds (`padSeq` undone); a value of another form is kept as it is. */
export const unpadSeq = (stored: string): string =>
  /^\d{4,}$/.test(stored) && Number(stored.slice(0, 3)) === stored.length - 3 ? stored.slice(3) : stored;

/**
 * A fence as stored: `padSeq(seq)`, `@`, and the epoch ms (writer's clock) of the write that set it,
 * which `graceOld` reads. Inside the value, not beside it: no second attribute per unit, and a merge's
 * "fences unchanged" condition covers the time too. The padded forms of two different numbers differ
 * within the shorter one, so the `@...` tail never decides DynamoDB's `fence < padSeq(first)` (equal
 * numbers: the longer stored value is not below, as wanted). 14 bytes more per fence. A fence written
 * before times were stored has none (`at` undefined).
 */
export interface StoredFence {
  readonly seq: string;
  readonly at?: number;
  /** The stored string, for conditions that the fence is as read. */
  readonly value: string;
}

export const fenceValue = (seq: string, at: number): string => `${padSeq(seq)}@${at}`;

const parseFence = (value: string): StoredFence => {
  const cut = value.indexOf('@');
  const at = cut < 0 ? Number.NaN : Number(value.slice(cut + 1));
  return {
    seq: unpadSeq(cut < 0 ? value : value.slice(0, cut)),
    value,
    ...(Number.isFinite(at) && { at }),
  };
};

/** The fences stored on a raw item, by unit, with their write times. */
export const storedFencesOf = (raw: Record<string, unknown> | undefined): Map<string, StoredFence> => {
  const out = new Map<string, StoredFence>();
  if (!raw) return out;
  for (const [k, v] of Object.entries(raw))
    if (k.startsWith(FENCE_PREFIX) && typeof v === 'string')
      out.set(k.slice(FENCE_PREFIX.length), parseFence(v));
  return out;
};

/** The fences stored on a raw item, by unit (plain sequence numbers: `padSeq` them to compare in DynamoDB). */
export const fencesOf = (raw: Record<string, unknown> | undefined): Map<string, string> =>
  new Map([...storedFencesOf(raw)].map(([u, f]) => [u, f.seq]));

/**
 * A kept fence's stored value: as it was, or, written before fences carried a time, stamped with the
 * keeping write's time (`at`). That is no earlier than its real write, so it starts the fence's grace
 * late, never early: a fence from before the upgrade is kept one grace past the first write that merges it.
 */
export const keptValue = (fence: StoredFence, at: number): string =>
  fence.at === undefined ? fenceValue(fence.seq, at) : fence.value;

/**
 * A state item as its writers see it, from a raw DynamoDB read (GetItem, Query, Scan through the
 * document client): no `spine:*` attribute (the runtime's position fences), and a tombstone (what a
 * runtime delete leaves) is no item, `undefined`. Code that reads a Spine state table directly, such as
 * a query route, reads through this (docs/consumer-single-item.md, "Stored form").
 */
export const userView = (raw: Record<string, unknown> | undefined): StateItem | undefined => {
  if (!raw || raw[DELETED_ATTR] === true) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!k.startsWith(RESERVED_PREFIX)) out[k] = v;
  return typeof out.pk === 'string' ? { ...out, pk: out.pk } : undefined;
};

/** True when a fence of one of `units` is at or past `seq`: by the prefix property the event is applied. */
export const fencedAtOrPast = (
  fences: ReadonlyMap<string, string>,
  units: readonly string[],
  seq: string,
): boolean =>
  units.some((u) => {
    const f = fences.get(u);
    return f !== undefined && compareSequence(f, seq) >= 0;
  });

/** A replay, rebuild or redrive session's scoped shard (`<shardId>#<scope>`), not a key marker. */
const isSessionUnit = (unit: string): boolean => {
  const { scope, key } = parseCheckpointSk(unitParts(unit).sk);
  return scope !== undefined && key === undefined;
};

/** The clock a pruning reads: a settled unit's fence goes only once its write is a grace old. */
export interface PruneAge {
  /** The pruner's clock, epoch ms. */
  readonly now: number;
  /**
   * The tombstone grace (tombstones.ts): no request stays in flight longer after it was sent. It carries
   * the clock skew between the fence's writer and the pruner (the attempt mark's 2 s, in the default).
   * 0 (local mode): a settled fence goes whatever its age.
   */
  readonly graceMs: number;
  /** The write time taken for a fence stored without one (see `keptValue` and `sweepVerdict`). */
  readonly untimedAt: number;
}

/** True when the fence's write is at least a grace old on the pruner's clock (always with grace 0). */
export const graceOld = (fence: StoredFence, age: PruneAge): boolean =>
  age.graceMs === 0 || age.now - (fence.at ?? age.untimedAt) >= age.graceMs;

/**
 * Which of `units` (other than `mine`) a write may drop: those whose own checkpoint (`checkpointOf`)
 * is at or past their fence, so that unit can never run those events again; and a session's unit
 * whose checkpoint item is gone (review F6): a session writes fences only in transactions that create
 * or move its checkpoint, and deletes the checkpoint when it ends, so an absent one is a finished one.
 * Settled is not enough (review 2026-11-27 F1): a request of that unit sent before it settled may still
 * land (abandoned by the SDK at its timeout and retried, or in flight when Lambda ended the invocation),
 * and its condition holds once its fence is gone. So the fence must also be a grace old (`graceOld`).
 */
export const settledUnits = async (
  fences: ReadonlyMap<string, StoredFence>,
  mine: ReadonlySet<string>,
  checkpointsOf: (units: readonly string[]) => Promise<ReadonlyMap<string, string | undefined>>,
  age: PruneAge,
): Promise<Set<string>> => {
  const settled = new Set<string>();
  const candidates = [...fences].filter(([u, f]) => !mine.has(u) && graceOld(f, age));
  if (candidates.length === 0) return settled;
  // One read of all of them (a BatchGet in DynamoDB), not one per unit.
  const checkpoints = await checkpointsOf(candidates.map(([u]) => u));
  for (const [unit, fence] of candidates) {
    const at = checkpoints.get(unit);
    if (at === undefined ? isSessionUnit(unit) : compareSequence(at, fence.seq) >= 0) settled.add(unit);
  }
  return settled;
};
