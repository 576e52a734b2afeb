import { randomUUID } from 'node:crypto';
import type { Catalog, CdcSourceSpec } from '../catalog';
import type { Envelope } from '../envelope';
import type { SchemaRegistry } from '../schemas';
import { type Change, coveredBySnapshot, STREAM_KINDS, type StreamRecordLike, streamChange } from './change';
import {
  BatchInFlightError,
  ChangeReadError,
  isChangeReadError,
  SnapshotPendingError,
  StreamChangedError,
} from './errors';
import { captureEvent } from './events';
import { parkedChange, parkedUnreadable } from './park';
import type { CapturePublisher } from './publish';
import type { CdcStore, ParkedChange } from './store';

/**
 * How long after the snapshot finished a stream change may still be one the snapshot saw: its
 * `ApproximateCreationDateTime` is rounded down to the second and comes from DynamoDB's clock, the
 * finish time from the runner's. Changes inside the window cost one marker read each.
 */
export const OVERLAP_MARGIN_MS = 60_000;

export interface StreamDeps {
  readonly catalog: Catalog;
  readonly schemas: SchemaRegistry;
  readonly source: CdcSourceSpec;
  readonly store: CdcStore;
  readonly publisher: CapturePublisher;
  /** The stream the mapping reads: it must be the one the snapshot header recorded. */
  readonly streamArn: string;
  readonly now?: () => number;
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

/** A DynamoDB stream record as the event source mapping delivers it (one batch = one shard). */
export interface DeliveredRecord extends StreamRecordLike {
  /** Globally unique per stream record (sequence numbers are unique per shard only). */
  readonly eventID?: string;
  readonly dynamodb?: StreamRecordLike['dynamodb'] & { readonly SequenceNumber?: string };
}

export interface StreamOutcome {
  readonly published: number;
  /** Changes the snapshot already published (same item, same or newer version). */
  readonly covered: number;
  /** Records an earlier attempt of this batch published completely. */
  readonly skipped: number;
  readonly parked: number;
  readonly resent: boolean;
}

const seqOf = (record: DeliveredRecord): string | undefined => record.dynamodb?.SequenceNumber;

/** Where a parked record came from: its sequence number, else its event id. */
const whereOf = (record: DeliveredRecord): string | undefined => seqOf(record) ?? record.eventID;

/**
 * The records after `through` (the last one an earlier attempt of this same batch published), by
 * position in the batch: sequence numbers are only compared within one shard's batch, and a record
 * without one cannot be placed, so the whole batch is kept (published again, marked).
 */
const after = (records: readonly DeliveredRecord[], through: string): readonly DeliveredRecord[] => {
  const done = records.findIndex((r) => seqOf(r) === through);
  return done < 0 ? records : records.slice(done + 1);
};

/**
 * The batch claim's key: the first record's `eventID`, unique across shards and streams (the mapping
 * retries a failed batch from the same record; a DynamoDB stream event names no shard). A batch whose
 * first record has none cannot be told from another batch, so it is refused, not keyed by a guess.
 */
const batchKeyOf = (deps: StreamDeps, first: DeliveredRecord): string => {
  if (first.eventID === undefined || first.eventID === '')
    throw new ChangeReadError(deps.source.name, 'stream batch whose first record has no eventID');
  return first.eventID;
};

/** The batch's records as envelopes to publish, changes to park, and how many the snapshot covered. */
const captureBatch = async (
  deps: StreamDeps,
  alive: readonly DeliveredRecord[],
  finishedAt: number,
  now: () => number,
) => {
  const changes: { change: Change; record: DeliveredRecord }[] = [];
  const parked: ParkedChange[] = [];
  for (const record of alive) {
    try {
      const change = streamChange(deps.source, record);
      if (change) changes.push({ change, record });
    } catch (error) {
      if (!isChangeReadError(error)) throw error;
      const kind = STREAM_KINDS[record.eventName ?? ''];
      const image = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage;
      parked.push(
        parkedUnreadable(
          { ...(record.eventName !== undefined && { eventName: record.eventName }), ...(image && { image }) },
          {
            shardId: 'stream',
            ...(whereOf(record) !== undefined && { sequenceNumber: whereOf(record) }),
            at: now(),
          },
          (kind && deps.source.types[kind]) ?? deps.source.types.insert,
          error,
        ),
      );
    }
  }
  const overlapEnd = finishedAt + OVERLAP_MARGIN_MS;
  const inOverlap = changes.filter(({ change }) => change.kind !== 'remove' && change.at <= overlapEnd);
  const markers =
    inOverlap.length > 0
      ? await deps.store.markers(inOverlap.map(({ change }) => change.keyString))
      : new Map();

  const envelopes: Envelope[] = [];
  let covered = 0;
  for (const { change, record } of changes) {
    if (change.at <= overlapEnd && coveredBySnapshot(change, markers.get(change.keyString)?.version)) {
      covered += 1;
      continue;
    }
    const event = captureEvent(deps.catalog, deps.schemas, deps.source, change);
    if (event.ok === 'unmapped') continue;
    if (event.ok === false)
      parked.push(
        parkedChange(change, 'stream', whereOf(record) ?? `${change.keyString}#${change.version}`, event),
      );
    else envelopes.push(event.envelope);
  }
  return { envelopes, parked, covered };
};

/**
 * Publishes one delivered batch of stream records, in order: refuses (SnapshotPendingError) until the
 * snapshot finished (and refuses a stream the snapshot did not start from, `StreamChangedError`), skips
 * what the snapshot already published, parks changes that fail their schema and records it cannot
 * read, and marks the publish as a re-send unless this invocation claimed the batch first. Throws on a failed publish: the mapping retries the batch from its first record.
 */
export const processStreamBatch = async (
  deps: StreamDeps,
  records: readonly DeliveredRecord[],
  /**
   * Epoch ms by which this invocation has ended for sure (Lambda: now + remaining time). A concurrent
   * copy of the batch waits until then. @default now: no other copy can be running (local mode's
   * single poller, whose restart follows the death of the previous one)
   */
  deadline?: number,
): Promise<StreamOutcome> => {
  const now = deps.now ?? Date.now;
  const none = { published: 0, covered: 0, skipped: 0, parked: 0, resent: false };
  const first = records[0];
  if (!first) return none;
  const snapshot = await deps.store.snapshot();
  if (snapshot?.finishedAt === undefined) throw new SnapshotPendingError(deps.source.name);
  if (snapshot.streamArn !== deps.streamArn)
    throw new StreamChangedError(deps.source.name, snapshot.streamArn, deps.streamArn);

  const batchKey = batchKeyOf(deps, first);
  // The claim is the first write: of two concurrent invocations of this batch exactly one gets
  // `first` and publishes unmarked; the other waits (throws) while the first may still run, then
  // publishes marked what the first did not finish.
  const token = randomUUID();
  const claim = await deps.store
    .claimBatch(batchKey, { since: now(), token, until: deadline ?? now() })
    .catch(async (error: unknown) => {
      // The conditional Put may have taken effect with its answer lost: end it by our token (a no-op if
      // it did not land), or the mapping's retry would wait until this invocation's deadline.
      await deps.store.releaseBatch(batchKey, token, now()).catch(() => undefined);
      throw error;
    });
  const through = claim.attempt.through;
  if (!claim.first && through === undefined && now() < claim.attempt.until)
    throw new BatchInFlightError(deps.source.name, batchKey, claim.attempt.until);
  const alive = through === undefined ? records : after(records, through);
  const skipped = records.length - alive.length;
  const last = alive.at(-1);
  if (!last) return { ...none, skipped };

  try {
    const { envelopes, parked, covered } = await captureBatch(deps, alive, snapshot.finishedAt, now);
    await deps.store.park(parked);
    await deps.publisher.publish(envelopes, claim.first ? undefined : claim.attempt.since, deadline);
    const lastSeq = seqOf(last);
    if (lastSeq !== undefined) await deps.store.batchDone(batchKey, lastSeq);
    return { published: envelopes.length, covered, skipped, parked: parked.length, resent: !claim.first };
  } catch (error) {
    // A failed first attempt ends its claim, so the mapping's retry publishes (marked) at once. Not
    // reached on process death: then the retry waits for the claim's deadline.
    if (claim.first) await deps.store.releaseBatch(batchKey, token, now()).catch(() => undefined);
    throw error;
  }
};
