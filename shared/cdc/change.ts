import { type CdcSourceSpec, cdcKeyAttributes } from '../catalog';
import { DELETED_ATTR, RESERVED_PREFIX } from '../consumer';
import { type AttributeValue, plainImage } from './attributes';
import { ChangeReadError } from './errors';

export type ChangeKind = 'insert' | 'modify' | 'remove';

/** One captured fact about one item: a snapshot read or a stream record, in plain JSON values. */
export interface Change {
  readonly kind: ChangeKind;
  /** The item's key attributes, e.g. `{ pk: 'ch_1' }`. */
  readonly key: Readonly<Record<string, unknown>>;
  /** The key as one string (attributes in key order, joined by `#`): the partition key and id part. */
  readonly keyString: string;
  /** The new image; for `remove` the old one (the last state, so consumers know what went). */
  readonly image: Readonly<Record<string, unknown>>;
  /** The item's version attribute in `image`. */
  readonly version: number;
  /** Epoch ms of the change (stream: ApproximateCreationDateTime, snapshot: the page's read). */
  readonly at: number;
  readonly origin: 'snapshot' | 'stream';
}

type Image = Readonly<Record<string, AttributeValue>>;

const keyOf = (source: CdcSourceSpec, item: Record<string, unknown>) => {
  const names = cdcKeyAttributes(source);
  const key: Record<string, unknown> = {};
  for (const name of names) {
    const value = item[name];
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new ChangeReadError(source.name, `item has no string or number key attribute "${name}"`);
    key[name] = value;
  }
  return { key, keyString: names.map((n) => String(key[n])).join('#') };
};

const versionOf = (source: CdcSourceSpec, item: Record<string, unknown>, keyString: string): number => {
  const version = item[source.versionAttribute];
  if (typeof version !== 'number' || !Number.isFinite(version))
    throw new ChangeReadError(
      source.name,
      `item "${keyString}" has no number version attribute "${source.versionAttribute}"`,
    );
  return version;
};

/** An image without the Spine runtime's `spine:*` attributes (position fences: docs/consumer-single-item.md). */
const userImage = (raw: Image): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plainImage(raw))) if (!k.startsWith(RESERVED_PREFIX)) out[k] = v;
  return out;
};

/** A Spine tombstone: a fenced delete keeps the key and fences, flagged; to CDC it is a remove. */
const isTombstone = (raw: Image | undefined): boolean => raw?.[DELETED_ATTR]?.BOOL === true;

/** A scanned item as a change: the item as it is, typed as an insert; a tombstone is no item (undefined). */
export const snapshotChange = (source: CdcSourceSpec, item: Image, readAt: number): Change | undefined => {
  if (isTombstone(item)) return undefined;
  const image = userImage(item);
  const { key, keyString } = keyOf(source, image);
  return {
    kind: 'insert',
    key,
    keyString,
    image,
    version: versionOf(source, image, keyString),
    at: readAt,
    origin: 'snapshot',
  };
};

/** The parts of a DynamoDB stream record (as the Lambda event and GetRecords both carry them) Spine reads. */
export interface StreamRecordLike {
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly ApproximateCreationDateTime?: number | Date;
    readonly NewImage?: Image;
    readonly OldImage?: Image;
    readonly SequenceNumber?: string;
  };
}

/** A stream record's `eventName` as a change kind. */
export const STREAM_KINDS: Readonly<Record<string, ChangeKind>> = {
  INSERT: 'insert',
  MODIFY: 'modify',
  REMOVE: 'remove',
};

/**
 * A stream record as a change. Needs the NEW_AND_OLD_IMAGES view (a remove carries its old image).
 * Undefined when nothing changed as the item's writers see it: a tombstone written over a missing item
 * or over a tombstone (a delete of an absent item), or a tombstone removed (review F7b).
 */
export const streamChange = (source: CdcSourceSpec, record: StreamRecordLike): Change | undefined => {
  const named = STREAM_KINDS[record.eventName ?? ''];
  if (!named) throw new ChangeReadError(source.name, `unknown stream event "${String(record.eventName)}"`);
  const old = record.dynamodb?.OldImage;
  const wasAbsent = named === 'remove' ? isTombstone(old) : old === undefined || isTombstone(old);
  const deletes = named === 'remove' || isTombstone(record.dynamodb?.NewImage);
  if (deletes && wasAbsent) return undefined;
  // A write that leaves a tombstone removes the item as its writers see it: its last state goes out;
  // a write over a tombstone creates it again.
  const kind = deletes ? 'remove' : named === 'modify' && isTombstone(old) ? 'insert' : named;
  const raw = kind === 'remove' ? record.dynamodb?.OldImage : record.dynamodb?.NewImage;
  if (!raw)
    throw new ChangeReadError(
      source.name,
      `${kind} record without ${kind === 'remove' ? 'OldImage' : 'NewImage'}: the stream view type must be NEW_AND_OLD_IMAGES`,
    );
  const image = userImage(raw);
  const { key, keyString } = keyOf(source, image);
  const when = record.dynamodb?.ApproximateCreationDateTime;
  // Lambda's event gives seconds; the SDK's GetRecords gives a Date.
  const at = when instanceof Date ? when.getTime() : typeof when === 'number' ? when * 1000 : Date.now();
  return { kind, key, keyString, image, version: versionOf(source, image, keyString), at, origin: 'stream' };
};

/**
 * The overlap rule: a stream change is already in the topic when the snapshot published the item at
 * this version or later (`snapshotVersion`), so it is skipped. A remove is never covered: the snapshot
 * only publishes items that exist.
 */
export const coveredBySnapshot = (change: Change, snapshotVersion: number | undefined): boolean =>
  change.kind !== 'remove' && snapshotVersion !== undefined && change.version <= snapshotVersion;
