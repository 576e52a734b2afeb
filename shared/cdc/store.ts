import type { Envelope } from '../envelope';

/**
 * Where a CDC source keeps its progress. The DynamoDB adapter (`dynamo-store.ts`) puts every item in
 * the runtime checkpoints table under `pk = cdc#<source>...`, so one leading-key grant covers it.
 */

/** The snapshot's header: when it started (the stream position was taken before), and when it ended. */
export interface SnapshotState {
  readonly startedAt: number;
  readonly streamArn: string;
  readonly segments: number;
  readonly finishedAt?: number;
}

/** One parallel-scan segment: where its next page starts (a DynamoDB key as JSON) or that it is done. */
export interface SegmentProgress {
  readonly next?: string;
  readonly done: boolean;
  readonly pages: number;
  readonly items: number;
}

/**
 * What the snapshot published for one item, written only AFTER Kinesis acknowledged it: the version,
 * and when its publish started. The stream side skips changes at or below the version.
 */
export interface SnapshotMarker {
  readonly version: number;
  readonly at: number;
}

/**
 * A snapshot event about to be published (phase one of two): written per segment BEFORE the publish,
 * with the event itself, so a runner that dies anywhere between this write and the markers can be
 * finished by the next one, whatever happened to the item since: it publishes the stored event again,
 * marked (`at` is the earliest time the first copy could have arrived), then writes the markers.
 */
export interface PendingCapture {
  readonly key: string;
  readonly version: number;
  readonly at: number;
  readonly envelope: Envelope;
}

/**
 * Stream side, per delivered batch (keyed by its first record's `eventID`: the mapping retries a failed
 * batch from the same record, a DynamoDB stream event names no shard, and sequence numbers are unique
 * per shard only). Claimed with a conditional write before
 * the publish: of two concurrent invocations of one batch exactly one claims it and publishes unmarked;
 * the other (and any later retry) publishes marked.
 */
export interface BatchAttempt {
  /** When the first attempt started publishing (the re-send mark of later attempts). */
  readonly since: number;
  /** Who claimed it: a claim whose answer was lost and whose retry failed its condition is still ours. */
  readonly token: string;
  /**
   * Epoch ms by which the claiming invocation has ended for sure (its Lambda deadline), or earlier
   * when it failed and released the claim. Until then a second copy of the batch waits (throws), so a
   * marked copy never lands before the first.
   */
  readonly until: number;
  /** Sequence number of the last record an attempt published completely (compared within the batch). */
  readonly through?: string;
}

/** An item or stream record that failed its schema, parked whole with the change. */
export interface ParkedChange {
  /** `snapshot` for scanned items, else the stream shard id. */
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The change as JSON (kind, key, version, image), base64. */
  readonly data: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly error: string;
  readonly errorDetails: readonly { path: string; message: string }[];
  readonly arrivedAt: number;
}

export interface CdcStore {
  snapshot(): Promise<SnapshotState | undefined>;
  /** Creates the header unless one exists; returns the one that holds. */
  beginSnapshot(state: SnapshotState): Promise<SnapshotState>;
  /**
   * Takes the snapshot lease (one runner at a time: two would publish the same pages) until `until`,
   * for `token`; false when another token holds it.
   */
  claimSnapshot(token: string, until: number, now: number): Promise<boolean>;
  finishSnapshot(at: number): Promise<void>;
  segment(n: number): Promise<SegmentProgress>;
  saveSegment(n: number, progress: SegmentProgress): Promise<void>;
  markers(keys: readonly string[]): Promise<Map<string, SnapshotMarker>>;
  /** The captures of `segment` whose publish was started and not confirmed, oldest page first. */
  pending(segment: number): Promise<PendingCapture[]>;
  /** Phase one: records the captures of a page before they are published. */
  putPending(segment: number, captures: readonly PendingCapture[]): Promise<void>;
  /** Phase two, after the publish: writes the markers, then drops the pending captures `done`. */
  confirm(
    segment: number,
    markers: ReadonlyMap<string, SnapshotMarker>,
    done: readonly string[],
  ): Promise<void>;
  /**
   * Claims a delivered batch (conditional write): `first` when this claim is the one that holds, else
   * the attempt that does. Kept for two days (past the stream's 24 h retention), then expired by TTL.
   */
  claimBatch(batchKey: string, claim: BatchAttempt): Promise<{ first: boolean; attempt: BatchAttempt }>;
  /** Records that the batch was published through `through`. */
  batchDone(batchKey: string, through: string): Promise<void>;
  /** Ends the claim `token` holds now (a failed attempt): the mapping's retry need not wait. */
  releaseBatch(batchKey: string, token: string, at: number): Promise<void>;
  park(changes: readonly ParkedChange[]): Promise<void>;
}
