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

/** The fences stored on a raw item, by unit (plain sequence numbers: `padSeq` them to compare in DynamoDB). */
export const fencesOf = (raw: Record<string, unknown> | undefined): Map<string, string> => {
  const out = new Map<string, string>();
  if (!raw) return out;
  for (const [k, v] of Object.entries(raw))
    if (k.startsWith(FENCE_PREFIX) && typeof v === 'string')
      out.set(k.slice(FENCE_PREFIX.length), unpadSeq(v));
  return out;
};

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

/**
 * Which of `units` (other than `mine`) a write may drop: those whose own checkpoint (`checkpointOf`)
 * is at or past their fence, so that unit can never run those events again; and a session's unit
 * whose checkpoint item is gone (review F6): a session writes fences only in transactions that create
 * or move its checkpoint, and deletes the checkpoint when it ends, so an absent one is a finished one.
 */
export const settledUnits = async (
  fences: ReadonlyMap<string, string>,
  mine: ReadonlySet<string>,
  checkpointsOf: (units: readonly string[]) => Promise<ReadonlyMap<string, string | undefined>>,
): Promise<Set<string>> => {
  const settled = new Set<string>();
  const foreign = [...fences.keys()].filter((u) => !mine.has(u));
  if (foreign.length === 0) return settled;
  // One read of all of them (a BatchGet in DynamoDB), not one per unit.
  const checkpoints = await checkpointsOf(foreign);
  for (const [unit, fence] of fences) {
    if (mine.has(unit)) continue;
    const at = checkpoints.get(unit);
    if (at === undefined ? isSessionUnit(unit) : compareSequence(at, fence) >= 0) settled.add(unit);
  }
  return settled;
};
