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
 * What the snapshot published for one item: the version, and when (before the publish; the earliest
 * time a copy could be in the topic, so a re-publish after a crash carries it as its re-send mark).
 */
export interface SnapshotMarker {
  readonly version: number;
  readonly at: number;
}

/**
 * Stream side, per delivered batch (keyed by its first record: the mapping retries a failed batch from
 * the same record, and a DynamoDB stream event names no shard). Written before the publish, so a retry
 * or a concurrent copy of the invocation knows an earlier attempt may have published.
 */
export interface BatchAttempt {
  /** When the first attempt started publishing (the re-send mark of later attempts). */
  readonly since: number;
  /** Sequence number of the last record an attempt published completely. */
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
  putMarkers(markers: ReadonlyMap<string, SnapshotMarker>): Promise<void>;
  batch(firstSequence: string): Promise<BatchAttempt | undefined>;
  /** Kept for two days (past the stream's 24 h retention), then expired by TTL. */
  saveBatch(firstSequence: string, attempt: BatchAttempt): Promise<void>;
  park(changes: readonly ParkedChange[]): Promise<void>;
}
