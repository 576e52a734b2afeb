/**
 * The parking item: one schema for the runtime that writes it and the operations that read, redrive
 * and discard it. `pk = service`, `sk = topic#shardId#sequenceNumber` (the shard id scoped for an event
 * parked by a session). A record too long for one item keeps its data in chunk items
 * (`pk = chunks#service`, `sk = <parking sk>#0000..`) and the parking item has `data: ''`,
 * `dataChunks` and `dataChars`. No zod here: the runtime reads this module on the Lambda path.
 */

export const parkedPk = (service: string): string => service;
export const parkedSk = (topic: string, shardId: string, sequenceNumber: string): string =>
  `${topic}#${shardId}#${sequenceNumber}`;
/** Partition of the chunk items, apart from `pk = service` so listings of parked events never see them. */
export const parkedChunkPk = (service: string): string => `chunks#${service}`;
/**
 * Partition of the tombstone sweep entries (`sk = <state table>#<item pk>`): a delete that had to leave
 * a tombstone for another unit's unsettled fence notes it here, in its transaction, so a later
 * invocation removes it once that unit settles (shared/consumer/tombstones.ts).
 */
export const sweepPk = (service: string): string => `sweep#${service}`;
export const parkedChunkSk = (sk: string, n: number): string => `${sk}#${String(n).padStart(4, '0')}`;

/** A parking item as operations read it (unknown attributes are dropped, `dataChars` among them). */
export interface ParkingItem {
  readonly pk: string;
  readonly sk: string;
  readonly topic: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's data exactly as stored in the log (base64); '' when it is in chunk items. */
  readonly data: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly error: string;
  readonly errorDetails?: readonly { readonly path: string; readonly message: string }[];
  readonly attempts: number;
  readonly arrivedAt: number;
  readonly parkedAt?: string;
  /** Set by redrive when the event failed again in redrive session `redriveFailedIn`. */
  readonly redriveFailedIn?: string;
  readonly redriveAttempts?: number;
  /** The record was too large for one item: its data is in this many chunk items (`parkedChunkPk`). */
  readonly dataChunks?: number;
  /**
   * The runtime may have applied the event alone (a fenced single write) before it was parked: it lay
   * within the shard's `fencedTo` (docs/consumer-single-item.md, review F3). Redrive refuses it
   * without `--force`: check the state first, or a redrive may apply it a second time.
   */
  readonly mayBeApplied?: boolean;
}

/** What the runtime writes: a `ParkingItem` plus the length of chunked data, kept for people reading the table. */
export type ParkingItemWritten = ParkingItem & { readonly dataChars?: number };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const detailsOf = (v: unknown): ParkingItem['errorDetails'] | null => {
  if (!Array.isArray(v)) return null;
  const details: { path: string; message: string }[] = [];
  for (const d of v) {
    if (!isRecord(d) || typeof d.path !== 'string' || typeof d.message !== 'string') return null;
    details.push({ path: d.path, message: d.message });
  }
  return details;
};

/** An optional attribute: absent, or of its type (`null`: present with another type, the item is damaged). */
const optional = <T>(v: unknown, is: (x: unknown) => x is T): T | undefined | null =>
  v === undefined ? undefined : is(v) ? v : null;
const isString = (x: unknown): x is string => typeof x === 'string';
const isNumber = (x: unknown): x is number => typeof x === 'number';
const isBoolean = (x: unknown): x is boolean => typeof x === 'boolean';

/** Reads a parking item; undefined for anything else in the table (chunks, audit records, damaged items). */
export const parseParkingItem = (item: Record<string, unknown>): ParkingItem | undefined => {
  const { pk, sk, topic, shardId, sequenceNumber, partitionKey, data, error, attempts, arrivedAt } = item;
  if (
    !isString(pk) ||
    !isString(sk) ||
    !isString(topic) ||
    !isString(shardId) ||
    !isString(sequenceNumber) ||
    !isString(partitionKey) ||
    !isString(data) ||
    !isString(error) ||
    !isNumber(attempts) ||
    !isNumber(arrivedAt)
  )
    return undefined;
  const eventId = optional(item.eventId, isString);
  const eventType = optional(item.eventType, isString);
  const parkedAt = optional(item.parkedAt, isString);
  const redriveFailedIn = optional(item.redriveFailedIn, isString);
  const redriveAttempts = optional(item.redriveAttempts, isNumber);
  const dataChunks = optional(item.dataChunks, isNumber);
  const mayBeApplied = optional(item.mayBeApplied, isBoolean);
  const errorDetails = item.errorDetails === undefined ? undefined : detailsOf(item.errorDetails);
  const optionals = [
    eventId,
    eventType,
    parkedAt,
    redriveFailedIn,
    redriveAttempts,
    dataChunks,
    errorDetails,
    mayBeApplied,
  ];
  if (optionals.some((v) => v === null)) return undefined;
  // Same attribute order as the zod schema this replaces: an audit record copies the item as read.
  return {
    pk,
    sk,
    topic,
    shardId,
    sequenceNumber,
    partitionKey,
    data,
    ...(eventId != null && { eventId }),
    ...(eventType != null && { eventType }),
    error,
    ...(errorDetails != null && { errorDetails }),
    attempts,
    arrivedAt,
    ...(parkedAt != null && { parkedAt }),
    ...(redriveFailedIn != null && { redriveFailedIn }),
    ...(redriveAttempts != null && { redriveAttempts }),
    ...(dataChunks != null && { dataChunks }),
    ...(mayBeApplied === true && { mayBeApplied }),
  };
};
